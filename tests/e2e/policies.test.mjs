import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { By, byTestId, launch, press, root, screenshot, textOf } from "./driver.mjs";

const cli = process.env.CLOUDWARDEN_CLI ?? join(root, "target/debug/cloudwarden");
const fakeBin = join(root, "target/debug/fake-github");
const TOKEN = "ghp_e2ePolicies";

async function text(driver, id) {
  return driver.executeScript(`return document.querySelector('[data-testid="${id}"]')?.textContent ?? ''`);
}

/** Clicks the first element matching `css` once it is there. */
async function click(driver, css, timeout = 15000) {
  await driver.wait(async () => (await driver.findElements(By.css(css))).length > 0, timeout, `never found ${css}`);
  await (await driver.findElement(By.css(css))).click();
}

describe("Policies and alerts in the real app", () => {
  let driver;
  let fake;
  let instance;

  before(async () => {
    fake = spawn(fakeBin, ["--org", "acme", "--seed", "11", "--token", TOKEN], { stdio: ["pipe", "pipe", "inherit"] });
    const url = await new Promise((resolve, reject) => {
      createInterface({ input: fake.stdout }).once("line", resolve);
      fake.once("error", reject);
    });
    // Connected through the command line (the wizard has its own test); its first scan runs
    // before the policy exists.
    instance = JSON.parse(execFileSync(cli, ["connect", "github", "--name", "Ops", "--org", "acme", "--api-url", url, "--token-env", "GH_E2E", "--json"], { encoding: "utf8", env: { ...process.env, GH_E2E: TOKEN } }));
    execFileSync(cli, ["scan", instance.id, "--json"], { encoding: "utf8" });
    driver = await launch();
  });

  after(async () => {
    await driver?.quit();
    fake?.stdin.end();
    fake?.kill();
  });

  it("creates a policy from a template and tests it before enabling it", async () => {
    await press(driver, "nav-policies");
    assert.match(await textOf(driver, "policies-empty"), /Create one from a template/);
    await screenshot(driver, "70-policies-empty");
    await press(driver, "policies-create");
    await byTestId(driver, "templates-modal");
    await screenshot(driver, "71-templates");
    await click(driver, '[data-testid=template][data-id="anomaly-new-admin-role"] [data-testid=template-create]');
    // Created disabled; the test drawer opens on it.
    await press(driver, "test-run");
    const summary = await textOf(driver, "test-summary");
    assert.match(summary, /in the last 7 days/);
    await screenshot(driver, "72-policy-test");
    await driver.actions().sendKeys("\uE00C").perform();
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=test-drawer]"))).length === 0, 5000);
    const policies = JSON.parse(execFileSync(cli, ["policies", "list", "--json"], { encoding: "utf8" }));
    assert.equal(policies.length, 1);
    assert.equal(policies[0].enabled, false);
    await click(driver, "[data-testid=policy-row] [data-testid=policy-enabled]");
    await driver.wait(async () => JSON.parse(execFileSync(cli, ["policies", "list", "--json"], { encoding: "utf8" }))[0].enabled === true, 10000, "the policy was not enabled");
    await screenshot(driver, "73-policy-enabled");
  });

  it("raises an alert when a scan reads the planted behaviour, and triages it to resolved", async () => {
    fake.stdin.write("audit business.add_admin mallory eve\n");
    await press(driver, "nav-connectors");
    await press(driver, "instance-scan-Ops");
    await press(driver, "nav-alerts");
    await driver.wait(
      async () => {
        await driver.navigate().refresh();
        return (await driver.findElements(By.css("[data-testid=alert-row]"))).length > 0;
      },
      60000,
      "no alert after the scan",
    );
    const row = await driver.findElement(By.css("[data-testid=alert-row]"));
    assert.match(await row.getText(), /Administrator role given: eve/);
    await screenshot(driver, "74-alerts");
    await row.click();
    assert.match(await textOf(driver, "alert-evidence"), /business\.add_admin by mallory/);
    await screenshot(driver, "75-alert-detail");
    await press(driver, "alert-start");
    await driver.wait(async () => /In progress/.test(await text(driver, "alert-status")), 10000);
    await press(driver, "alert-resolve");
    await press(driver, "alert-resolve-true_positive");
    await driver.wait(async () => /Resolved · True positive/.test(await text(driver, "alert-status")), 10000);
    await screenshot(driver, "76-alert-resolved");
    const alerts = JSON.parse(execFileSync(cli, ["alerts", "list", "--json"], { encoding: "utf8" }));
    assert.equal(alerts.items.length, 1);
    assert.equal(alerts.items[0].status, "resolved");
    assert.equal(alerts.items[0].resolution, "true_positive");
  });
});
