import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, answerDialog, byTestId, launch, pick, root, screenshot, textOf, until } from "./driver.mjs";

const samples = join(root, "../shared/testdata/discovery");
const cli = process.env.CLOUDWARDEN_CLI ?? join(root, "target/debug/cloudwarden");

/** A deterministic Squid log of `lines` lines, big enough to watch its progress. */
async function bigSquidLog(path, lines) {
  const hosts = ["www.dropbox.com", "outlook.office365.com", "slack.com", "github.com", "drive.google.com", "example.org"];
  const out = createWriteStream(path);
  let chunk = [];
  for (let i = 0; i < lines; i++) {
    chunk.push(
      `${String(1700000000 + i)}.123    ${String(i % 500)} 10.0.${String(i % 7)}.${String(i % 250)} TCP_MISS/200 ${String(1000 + (i % 9000))} CONNECT ${hosts[i % 6]}:443 user${String(i % 40)} HIER_DIRECT/1.2.3.4 -\n`,
    );
    if (chunk.length === 10000) {
      if (!out.write(chunk.join(""))) await new Promise((r) => out.once("drain", r));
      chunk = [];
    }
  }
  out.end(chunk.join(""));
  await new Promise((r) => out.once("finish", r));
}

/** Chooses `path` in the upload dialog's file chooser (its answer queued, see driver.mjs). */
async function addPath(driver, path) {
  answerDialog([path]);
  const choose = await byTestId(driver, "upload-choose");
  await driver.wait(until.elementIsVisible(choose), 5000);
  await choose.click();
  await driver.wait(
    async () => ((await (await byTestId(driver, "upload-files")).getAttribute("textContent")) ?? "").includes(path),
    5000,
    `${path} not listed`,
  ).catch(async (e) => {
    await screenshot(driver, "failed-add-path");
    throw e;
  });
}

/** Scrolls an element into the middle of the view (wide tables scroll sideways) and clicks it. */
async function reveal(driver, el) {
  await driver.executeScript("arguments[0].scrollIntoView({ block: 'center', inline: 'center' })", el);
  await driver.wait(until.elementIsVisible(el), 5000);
  return el;
}

async function text(driver, id) {
  return driver.executeScript(`return document.querySelector('[data-testid="${id}"]')?.textContent ?? ''`);
}

describe("Cloud Discovery in the real app", () => {
  let driver;
  let work;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "cw-e2e-"));
    driver = await launch();
  });

  after(async () => {
    await driver?.quit();
    rmSync(work, { recursive: true, force: true });
  });

  it("starts with an empty state that says what to do", async () => {
    await (await byTestId(driver, "nav-discovery")).click();
    assert.match(await textOf(driver, "discovery-empty"), /No reports yet/);
    await screenshot(driver, "20-discovery-empty");
  });

  it("shows live progress of a big upload and cancels it", async () => {
    const big = join(work, "big-access.log");
    await bigSquidLog(big, 3_000_000);
    await (await byTestId(driver, "discovery-upload")).click();
    await addPath(driver, big);
    await (await byTestId(driver, "upload-start")).click();
    await driver.wait(async () => /lines\/s/.test(await text(driver, "upload-progress-text")), 20000, "no progress shown");
    const first = await text(driver, "upload-progress-text");
    await driver.wait(async () => (await text(driver, "upload-progress-text")) !== first, 10000, "progress does not move");
    await screenshot(driver, "21-upload-progress");
    await (await byTestId(driver, "upload-cancel")).click();
    assert.match(await textOf(driver, "upload-cancelled"), /Nothing was stored/);
    await (await driver.findElement(By.css("[aria-label='Remove big-access.log']"))).click();
  });

  it("uploads two sample files into a report", async () => {
    await addPath(driver, join(samples, "squid/test-access.log"));
    await addPath(driver, join(samples, "fortigate/test-fortinet.log"));
    await (await byTestId(driver, "upload-report-name")).sendKeys("Branch office");
    await (await byTestId(driver, "upload-start")).click();
    const summary = await textOf(driver, "upload-summary");
    assert.match(summary, /test-access\.log/);
    assert.match(summary, /squid/);
    assert.match(summary, /fortigate/);
    const apps = Number(await textOf(driver, "upload-summary-apps"));
    assert.ok(apps >= 5, `${String(apps)} apps`);
    await screenshot(driver, "22-upload-summary");
    await (await byTestId(driver, "upload-open-report")).click();
    assert.equal(await textOf(driver, "report-name"), "Branch office");
    assert.equal(Number(await textOf(driver, "summary-apps")), apps);
    await byTestId(driver, "app-row-yahoo");
    await screenshot(driver, "23-report");
  });

  it("drills down into an app", async () => {
    await (await reveal(driver, await byTestId(driver, "app-open-yahoo"))).click();
    await byTestId(driver, "usage-daily-chart");
    const users = await textOf(driver, "usage-users");
    assert.match(users, /badeyek|adeolaegbedokun|nazsoau/);
    await screenshot(driver, "24-app-drilldown");
    await driver.actions().sendKeys("\uE00C").perform(); // Escape closes the drawer
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=usage-drawer]"))).length === 0, 5000);
  });

  it("tags an app unsanctioned and exports the block list", async () => {
    await (await reveal(driver, await byTestId(driver, "tag-yahoo"))).click();
    const option = await byTestId(driver, "tag-option-unsanctioned");
    await driver.wait(until.elementIsVisible(option), 5000);
    await option.click();
    await driver.wait(async () => (await text(driver, "tag-value-yahoo")) === "Unsanctioned", 10000, "tag not shown");
    await (await byTestId(driver, "report-block-list")).click();
    const squid = await byTestId(driver, "block-list-squid");
    await driver.wait(until.elementIsVisible(squid), 5000);
    await squid.click();
    const list = await textOf(driver, "block-list-text");
    assert.match(list, /acl cloudwarden_unsanctioned dstdomain \.yahoo\.com/);
    assert.match(list, /http_access deny cloudwarden_unsanctioned/);
    // The same list the engine gives the CLI for this data directory.
    const fromCli = execFileSync(cli, ["discover", "block-list", "--syntax", "squid"], { encoding: "utf8" });
    assert.equal(list.trim(), fromCli.trim());
    assert.match(await textOf(driver, "block-list-summary"), /1 unsanctioned app\b/);
    // Each domain says why it is there.
    assert.match(await textOf(driver, "block-domain-yahoo.com"), /domain of Yahoo/);
    await screenshot(driver, "25-block-list");
    // Untick one: it leaves the list, as `--skip` does in the CLI.
    await (await reveal(driver, await byTestId(driver, "block-tick-yahoo.com"))).click();
    await driver.wait(async () => !(await text(driver, "block-list-text")).includes("dstdomain .yahoo.com\n"), 10000, "the unticked domain stayed");
    const skipped = execFileSync(cli, ["discover", "block-list", "--syntax", "squid", "--skip", "yahoo.com"], { encoding: "utf8" });
    await driver.wait(async () => (await text(driver, "block-list-text")).trim() === skipped.trim(), 10000, "the app and the CLI differ after unticking");
    assert.match(await textOf(driver, "block-list-plan-summary"), /domains ticked/);
    await screenshot(driver, "25b-block-list-unticked");
    await driver.actions().sendKeys("\uE00C").perform();
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=block-list-text]"))).length === 0, 5000);
  });

  it("maps the columns of an unknown CSV log once and uploads it with that format", async () => {
    const csv = join(work, "edge-export.csv");
    writeFileSync(
      csv,
      [
        "time,client,account,destination,sent,received,verdict",
        "2026-11-02 08:00:00,10.1.1.5,alice,www.dropbox.com,1200,50000,ALLOW",
        "2026-11-02 08:05:00,10.1.1.6,bob,www.dropbox.com,300,100,BLOCK",
        "2026-11-03 09:00:00,10.1.1.5,alice,slack.com,10,20,ALLOW",
        "",
      ].join("\n"),
    );
    await driver.navigate().refresh();
    await (await byTestId(driver, "nav-discovery")).click();
    await (await byTestId(driver, "discovery-upload")).click();
    await addPath(driver, csv);
    await (await byTestId(driver, "upload-define-format")).click();
    assert.match(await textOf(driver, "custom-format-preview"), /www\.dropbox\.com/);
    await (await byTestId(driver, "custom-format-name")).sendKeys("Edge export");
    await pick(driver, "custom-format-timestamp", "1: time", { prefix: true });
    await pick(driver, "custom-format-layout", "Date and time", { prefix: true });
    await pick(driver, "custom-format-src_ip", "2: client", { prefix: true });
    await pick(driver, "custom-format-user", "3: account", { prefix: true });
    await pick(driver, "custom-format-host", "4: destination", { prefix: true });
    await pick(driver, "custom-format-bytes_up", "5: sent", { prefix: true });
    await pick(driver, "custom-format-bytes_down", "6: received", { prefix: true });
    await pick(driver, "custom-format-action", "7: verdict", { prefix: true });
    await screenshot(driver, "26-custom-format");
    await (await reveal(driver, await byTestId(driver, "custom-format-save"))).click();
    await driver.wait(
      async () => (await (await byTestId(driver, "upload-format")).getAttribute("value")) === "Edge export (Custom (CSV/TSV))",
      10000,
      "the new format is not selected",
    );
    await (await byTestId(driver, "upload-report-name")).sendKeys("Edge");
    await (await byTestId(driver, "upload-start")).click();
    const summary = await textOf(driver, "upload-summary");
    assert.match(summary, /custom:Edge export/);
    assert.match(summary, /3 of 4 lines parsed/);
    await screenshot(driver, "27-custom-format-upload");
  });
});
