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

/** Lets drawers and modals finish their opening transition (for screenshots). */
async function settle(driver) {
  await driver.sleep(600);
}

/** Clicks the first element matching `css` once it is there (again while an overlay that is
 * closing still covers it). */
async function click(driver, css, timeout = 15000) {
  await driver.wait(async () => (await driver.findElements(By.css(css))).length > 0, timeout, `never found ${css}`);
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await (await driver.findElement(By.css(css))).click();
      return;
    } catch (e) {
      if (e?.name !== "ElementClickInterceptedError" || Date.now() > deadline) throw e;
      await driver.sleep(250);
    }
  }
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
    await byTestId(driver, "template");
    await settle(driver);
    await screenshot(driver, "71-templates");
    await click(driver, '[data-testid=template][data-id="anomaly-new-admin-role"] [data-testid=template-create]');
    // Created disabled; the test drawer opens on it.
    await byTestId(driver, "test-run");
    await settle(driver);
    await press(driver, "test-run");
    const summary = await textOf(driver, "test-summary");
    assert.match(summary, /in the last 7 days/);
    await settle(driver);
    await screenshot(driver, "72-policy-test");
    await click(driver, ".mantine-Drawer-close");
    await settle(driver);
    const policies = JSON.parse(execFileSync(cli, ["policies", "list", "--json"], { encoding: "utf8" }));
    assert.equal(policies.length, 1);
    assert.equal(policies[0].enabled, false);
    // The switch's input is covered by its track: clicked as a user's click on the track would.
    const toggle = await driver.findElement(By.css("[data-testid=policy-row] [data-testid=policy-enabled]"));
    await driver.executeScript("arguments[0].click()", toggle);
    await settle(driver);
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
        // Away and back: the page reads the alerts again.
        await press(driver, "nav-policies");
        await press(driver, "nav-alerts");
        await driver.sleep(500);
        return (await driver.findElements(By.css("[data-testid=alert-row]"))).length > 0;
      },
      60000,
      "no alert after the scan",
    ).catch((e) => {
      const planted = execFileSync(cli, ["activities", "list", "--action", "business.add_admin", "--json"], { encoding: "utf8" });
      const jobs = execFileSync(cli, ["jobs", "list", "--json"], { encoding: "utf8" });
      const policies = execFileSync(cli, ["policies", "list", "--json"], { encoding: "utf8" });
      throw new Error(`${e.message}\nplanted: ${planted}\njobs: ${jobs}\npolicies: ${policies}`);
    });
    const row = await driver.findElement(By.css("[data-testid=alert-row]"));
    assert.match(await row.getText(), /Administrator role given: eve/);
    await screenshot(driver, "74-alerts");
    await driver.executeScript("arguments[0].click()", row);
    assert.match(await textOf(driver, "alert-evidence"), /business\.add_admin by mallory/);
    await settle(driver);
    await screenshot(driver, "75-alert-detail");
    await press(driver, "alert-start");
    await driver.wait(async () => /In progress/.test(await text(driver, "alert-status")), 10000);
    await press(driver, "alert-resolve");
    await press(driver, "alert-resolve-true_positive");
    await driver.wait(async () => /Resolved · True positive/.test(await text(driver, "alert-status")), 10000);
    await settle(driver);
    await screenshot(driver, "76-alert-resolved");
    const alerts = JSON.parse(execFileSync(cli, ["alerts", "list", "--json"], { encoding: "utf8" }));
    assert.equal(alerts.items.length, 1);
    assert.equal(alerts.items[0].status, "resolved");
    assert.equal(alerts.items[0].resolution, "true_positive");
  });
});
