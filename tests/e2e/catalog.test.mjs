import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, byTestId, launch, pick, root, screenshot, textOf } from "./driver.mjs";

const cli = process.env.CLOUDWARDEN_CLI ?? join(root, "target/debug/cloudwarden");

/** The "N apps" count above the table (read directly: no nested waits inside a wait). */
async function total(driver) {
  const text = await driver.executeScript("return document.querySelector('[data-testid=catalog-total]')?.textContent ?? ''");
  return /^\d+/.test(text.replace(/[,.\s]/g, "")) ? Number(text.replace(/\D/g, "")) : NaN;
}

/** App ids of the rows on screen, read in one go (rows re-render while the table loads). */
async function rowIds(driver) {
  return driver.executeScript(
    "return [...document.querySelectorAll('[data-testid=catalog-row]')].map((r) => r.dataset.appId)",
  );
}

async function clearSearch(driver) {
  const clear = await driver.findElements(By.css("[data-testid=catalog-search-clear]"));
  if (clear.length > 0) await clear[0].click();
  await driver.wait(async () => (await (await byTestId(driver, "catalog-search")).getAttribute("value")) === "", 5000);
}

describe("Cloud App Catalog in the real app", () => {
  let driver;

  before(async () => {
    driver = await launch();
  });

  after(async () => {
    await driver?.quit();
  });

  it("lists the built catalog", async () => {
    await (await byTestId(driver, "nav-catalog")).click();
    const stats = await textOf(driver, "catalog-stats");
    const apps = Number(stats.match(/^([\d,. ]+) apps/)[1].replace(/\D/g, ""));
    assert.ok(apps >= 5000, stats);
    await driver.wait(async () => (await rowIds(driver)).length > 5, 15000, "no rows");
    await screenshot(driver, "10-catalog");
  });

  it("searches by name and by tenant host", async () => {
    const search = await byTestId(driver, "catalog-search");
    await search.sendKeys("dropbox");
    await driver.wait(async () => (await rowIds(driver)).includes("dropbox") && (await rowIds(driver)).length < 10, 10000, "dropbox not found");
    await clearSearch(driver);
    await search.sendKeys("slack-edge.com");
    await driver.wait(async () => (await rowIds(driver)).includes("slack"), 10000, "slack not found by domain");
    await clearSearch(driver);
  });

  it("filters by a risk factor", async () => {
    await driver.wait(async () => (await total(driver)) > 5000, 10000, "the whole catalog is not listed");
    const all = await total(driver);
    await pick(driver, "catalog-factor-select", "Multi-factor authentication");
    await pick(driver, "catalog-factor-value", "No");
    await (await byTestId(driver, "catalog-factor-add")).click();
    const chip = await textOf(driver, "catalog-factor-chip");
    assert.match(chip, /Multi-factor authentication: No/);
    await driver.wait(async () => (await total(driver)) < all, 10000, "the filter did not narrow the list");
    const filtered = await total(driver);
    assert.ok(filtered > 100 && filtered < 2000, `MFA: No gives ${filtered} apps`);
    await screenshot(driver, "11-catalog-filter-mfa-no");
    await (await driver.findElement(By.css("[aria-label='Remove Multi-factor authentication filter']"))).click();
  });

  it("compares two apps side by side", async () => {
    const search = await byTestId(driver, "catalog-search");
    await search.sendKeys("drop");
    await driver.wait(async () => (await rowIds(driver)).includes("dropbox"), 10000);
    const select = async (id) => {
      const row = await driver.findElement(By.css(`[data-testid=catalog-row][data-app-id='${id}']`));
      await row.findElement(By.css("[data-testid=catalog-row-select]")).click();
    };
    await select("dropbox");
    await clearSearch(driver);
    await search.sendKeys("box.com");
    await driver.wait(async () => (await rowIds(driver)).includes("box"), 10000);
    await select("box");
    await (await byTestId(driver, "catalog-compare")).click();
    await byTestId(driver, "compare-table");
    const names = await Promise.all((await driver.findElements(By.css("[data-testid=compare-app]"))).map((e) => e.getAttribute("textContent")));
    assert.deepEqual(names, ["Dropbox", "Box"]);
    await screenshot(driver, "12-catalog-compare");
  });

  it("opens an app page with the source of each factor", async () => {
    await (await driver.findElement(By.xpath("//a[normalize-space()='Dropbox']"))).click();
    assert.equal(await textOf(driver, "app-name"), "Dropbox");
    const mfa = await textOf(driver, "factor-mfa_support");
    assert.match(mfa, /2FA Directory/);
    assert.match(mfa, /MIT · as of \d{4}-\d{2}-\d{2} · curated-list/);
    const hsts = await textOf(driver, "factor-hsts_preloaded");
    assert.match(hsts, /Chromium HSTS preload list/);
    await screenshot(driver, "13-app-page");
  });

  it("tags the app unsanctioned from its page and finds it in the unsanctioned view", async () => {
    await pick(driver, "app-tag", "Unsanctioned");
    await driver.wait(
      async () => (await (await byTestId(driver, "app-tag")).getAttribute("value")) === "Unsanctioned",
      10000,
      "the tag is not shown",
    );
    await screenshot(driver, "14-app-tagged");
    await (await byTestId(driver, "nav-catalog")).click();
    await pick(driver, "catalog-tag-filter", "Unsanctioned apps");
    await driver.wait(async () => (await total(driver)) === 1, 10000, "the unsanctioned view does not list one app");
    await driver.wait(async () => JSON.stringify(await rowIds(driver)) === JSON.stringify(["dropbox"]), 10000, "dropbox not listed");
    await screenshot(driver, "15-catalog-unsanctioned");
    // The CLI sees the same decision; cleared again so later suites start untagged.
    const tagged = JSON.parse(execFileSync(cli, ["catalog", "search", "dropbox", "--tag", "unsanctioned", "--json"], { encoding: "utf8" }));
    assert.deepEqual(tagged.map((a) => a.id), ["dropbox"]);
    execFileSync(cli, ["catalog", "tag", "dropbox", "--as", "none"]);
  });

  it("shows the evidence of each domain, related domains apart, and what search matched", async () => {
    await pick(driver, "catalog-tag-filter", "Unsanctioned apps"); // picking the chosen option again clears it
    const search = await byTestId(driver, "catalog-search");
    await search.sendKeys("zoom");
    await driver.wait(async () => (await rowIds(driver))[0] === "zoom", 10000, "Zoom is not first for zoom");
    // An app found by one of its domains says which.
    await driver.wait(async () => (await textOf(driver, "catalog-matched-nike")).includes("nikezoom.com"), 10000);
    await screenshot(driver, "16-catalog-search-matched");
    await clearSearch(driver);
    await search.sendKeys("bbc");
    await driver.wait(async () => (await rowIds(driver)).includes("bbc"), 10000, "BBC not found");
    await (await driver.findElement(By.css("[data-testid=catalog-row][data-app-id=bbc] td:nth-child(2)"))).click();
    assert.equal(await textOf(driver, "app-name"), "BBC");
    const own = await textOf(driver, "app-domains");
    assert.match(own, /bbc\.co\.uk/);
    assert.doesNotMatch(own, /limelight\.com|llnwd\.net/);
    const related = await byTestId(driver, "app-related-domains");
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", related);
    assert.match(await textOf(driver, "app-related-domains"), /limelight\.com/);
    assert.match(await textOf(driver, "app-related-domains"), /unverified/);
    await screenshot(driver, "17-app-related-domains");
    const legal = await byTestId(driver, "group-legal");
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", legal);
    assert.match(await textOf(driver, "group-legal"), /not assessed/);
    await screenshot(driver, "18-group-not-assessed");
    await (await byTestId(driver, "nav-catalog")).click();
    await clearSearch(driver);
  });
});
