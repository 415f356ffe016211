import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { By, Key, answerDialog, byTestId, launch, pick, press, root, screenshot, textOf, until } from "./driver.mjs";

const cli = process.env.CLOUDWARDEN_CLI ?? join(root, "target/debug/cloudwarden");
const fakeBin = join(root, "target/debug/fake-github");
const fakeGraphBin = join(root, "target/debug/fake-graph");
const TOKEN = "ghp_e2eToken";
const M365_CLIENT = "5f0c9d4e-2b1a-4c3d-8e7f-00000000e2e0";
const M365_SECRET = "e2e~graphSecret";

/** Starts the fake GitHub (testkit) and resolves with its base URL. */
function startFake() {
  const child = spawn(fakeBin, ["--org", "acme", "--seed", "7", "--token", TOKEN, "--delay-ms", "25"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("error", reject);
    child.once("exit", (code) => { reject(new Error(`fake-github exited with ${String(code)}`)); });
  });
  return { child, url };
}

/** Starts the fake Microsoft Graph (testkit) and resolves with its base URL and tenant id. */
function startGraph() {
  const child = spawn(fakeGraphBin, ["--seed", "5", "--client-id", M365_CLIENT, "--client-secret", M365_SECRET, "--delay-ms", "10"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = [];
  const ready = new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (l) => {
      lines.push(l);
      if (lines.length === 2) resolve({ url: lines[0], tenant: lines[1] });
    });
    child.once("error", reject);
    child.once("exit", (code) => { reject(new Error(`fake-graph exited with ${String(code)}`)); });
  });
  return { child, ready };
}

async function text(driver, id) {
  return driver.executeScript(`return document.querySelector('[data-testid="${id}"]')?.textContent ?? ''`);
}


describe("Connected apps in the real app", () => {
  let driver;
  let fake;
  let url;
  let graph;
  let m365;

  before(async () => {
    fake = startFake();
    url = await fake.url;
    graph = startGraph();
    m365 = await graph.ready;
    driver = await launch();
  });

  after(async () => {
    await driver?.quit();
    fake?.child.stdin.end();
    fake?.child.kill();
    graph?.child.stdin.end();
    graph?.child.kill();
  });

  it("starts with an empty state", async () => {
    await press(driver, "nav-connectors");
    assert.match(await textOf(driver, "connectors-empty"), /No app connected yet/);
    await screenshot(driver, "30-connectors-empty");
  });

  it("connects a GitHub organisation through the wizard with a token", async () => {
    await press(driver, "connect-app");
    await press(driver, "wizard-app-github");
    assert.match(await textOf(driver, "wizard-instructions"), /read:audit_log/);
    assert.match(await textOf(driver, "wizard-instructions"), /Metadata: Read-only/);
    await screenshot(driver, "31-wizard-instructions");
    await press(driver, "wizard-next");
    await (await byTestId(driver, "wizard-name")).sendKeys("Acme");
    await (await byTestId(driver, "wizard-org")).sendKeys("acme");
    await (await byTestId(driver, "wizard-api-url")).sendKeys(url);
    await (await byTestId(driver, "wizard-token")).sendKeys(TOKEN);
    await press(driver, "wizard-connect");
    assert.match(await textOf(driver, "wizard-result"), /Connected as/);
    await screenshot(driver, "32-wizard-connected");
    await press(driver, "wizard-done");
  });

  it("shows the scan running, then connected with the counts", async () => {
    await driver.wait(async () => (await text(driver, "instance-status-Acme")) === "scanning", 15000, "never saw the scan running");
    await screenshot(driver, "33-scanning");
    await driver.wait(async () => (await text(driver, "instance-status-Acme")) === "connected", 60000, "the scan did not end");
    const engine = JSON.parse(execFileSync(cli, ["instances", "--json"], { encoding: "utf8" }))[0];
    assert.equal(engine.status, "connected");
    assert.ok(engine.counts.accounts > 20, JSON.stringify(engine));
    await driver.wait(async () => Number((await text(driver, "instance-accounts-Acme")).replace(/\D/g, "")) === engine.counts.accounts, 10000);
    assert.equal(Number((await text(driver, "instance-files-Acme")).replace(/\D/g, "")), engine.counts.files);
    await screenshot(driver, "34-connected");
  });

  it("opens the instance with its permissions and the scan per phase", async () => {
    await press(driver, "instance-open-Acme");
    assert.match(await textOf(driver, "instance-permissions"), /audit log/);
    assert.match(await textOf(driver, "instance-phases"), /Accounts/);
    await screenshot(driver, "35-instance-drawer");
    await driver.actions().sendKeys("\uE00C").perform();
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=instance-drawer]"))).length === 0, 5000);
  });

  it("disables and re-enables the instance", async () => {
    const toggle = async () => {
      await press(driver, "instance-menu-Acme");
      await press(driver, "instance-toggle-Acme");
    };
    await toggle();
    await driver.wait(async () => (await text(driver, "instance-status-Acme")) === "disabled", 10000);
    await screenshot(driver, "36-disabled");
    await toggle();
    await driver.wait(async () => (await text(driver, "instance-status-Acme")) === "connected", 10000);
  });

  it("connects a second instance with the OAuth device flow", async () => {
    await press(driver, "connect-app");
    await press(driver, "wizard-app-github");
    await press(driver, "wizard-next");
    await (await byTestId(driver, "wizard-name")).sendKeys("Acme OAuth");
    await (await byTestId(driver, "wizard-org")).sendKeys("acme");
    await (await byTestId(driver, "wizard-api-url")).sendKeys(url);
    await (await driver.findElement(By.xpath("//label[normalize-space()='OAuth app (device code)']"))).click();
    await (await byTestId(driver, "wizard-client-id")).sendKeys("Iv1.cloudwardenE2E");
    await (await byTestId(driver, "wizard-oauth-url")).sendKeys(url);
    await press(driver, "wizard-connect");
    const code = await textOf(driver, "wizard-device-code").catch(async (e) => {
      await screenshot(driver, "failed-device-code");
      throw e;
    });
    assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await screenshot(driver, "37-device-code");
    fake.child.stdin.write(`approve ${code}\n`); // the owner approves on "github.com"
    const result = await textOf(driver, "wizard-result").catch(async (e) => {
      await screenshot(driver, "failed-device-result");
      throw e;
    });
    assert.match(result, /Connected as/);
    await press(driver, "wizard-done");
    await driver.wait(async () => (await text(driver, "instance-status-Acme OAuth")) === "connected" && Number((await text(driver, "instance-accounts-Acme OAuth")).replace(/\D/g, "")) > 20, 60000, "the OAuth instance did not scan");
    await screenshot(driver, "38-two-instances");
  });

  /** Opens the wizard on the Microsoft 365 form, with the fake's URLs and tenant filled in. */
  async function m365Form(name) {
    // Toasts of earlier scans sit over the wizard's buttons until they close.
    await driver.wait(async () => (await driver.findElements(By.css(".mantine-Notification-root"))).length === 0, 20000, "a toast stayed open");
    await press(driver, "connect-app");
    await press(driver, "wizard-app-m365");
    assert.match(await textOf(driver, "wizard-instructions"), /AuditLog\.Read\.All/);
    await screenshot(driver, "39-m365-instructions");
    await press(driver, "wizard-next");
    await (await byTestId(driver, "wizard-name")).sendKeys(name);
    await (await byTestId(driver, "wizard-tenant")).sendKeys(m365.tenant);
    await (await byTestId(driver, "wizard-api-url")).sendKeys(`${m365.url}/v1.0`);
  }

  it("connects Microsoft 365 with an app registration and scans it", async () => {
    await m365Form("Contoso");
    await (await byTestId(driver, "wizard-client-id")).sendKeys(M365_CLIENT);
    await (await byTestId(driver, "wizard-oauth-url")).sendKeys(m365.url);
    // A wrong secret first: refused beside its field in plain words, the AADSTS code below.
    const secret = await byTestId(driver, "wizard-client-secret");
    await secret.sendKeys("not-the-secret");
    await press(driver, "wizard-connect");
    assert.match(await textOf(driver, "wizard-client-secret-error"), /The client secret is wrong/);
    assert.match(await textOf(driver, "wizard-client-secret-error-detail"), /AADSTS7000215/);
    assert.equal((await driver.findElements(By.css("[data-testid=wizard-error]"))).length, 0);
    await screenshot(driver, "39b-m365-wrong-secret");
    // Corrected the way a person does: delete what was typed, type the right one.
    await secret.sendKeys(...Array.from("not-the-secret", () => Key.BACK_SPACE), M365_SECRET);
    await press(driver, "wizard-connect");
    assert.match(await textOf(driver, "wizard-result"), /Connected as app registration/);
    await screenshot(driver, "40-m365-connected");
    await press(driver, "wizard-done");
    await driver.wait(async () => (await text(driver, "instance-status-Contoso")) === "connected" && Number((await text(driver, "instance-files-Contoso")).replace(/\D/g, "")) > 0, 90000, "the M365 scan did not end");
    const engine = JSON.parse(execFileSync(cli, ["instances", "--json"], { encoding: "utf8" })).find((i) => i.name === "Contoso");
    assert.equal(engine.status, "connected");
    assert.ok(engine.counts.accounts >= 200, JSON.stringify(engine));
    assert.ok(engine.counts.activities > 1000, JSON.stringify(engine));
    await driver.wait(async () => Number((await text(driver, "instance-accounts-Contoso")).replace(/\D/g, "")) === engine.counts.accounts, 10000);
    assert.equal(Number((await text(driver, "instance-files-Contoso")).replace(/\D/g, "")), engine.counts.files);
    await screenshot(driver, "41-m365-scanned");
    await press(driver, "instance-open-Contoso");
    assert.match(await textOf(driver, "instance-permissions"), /Sites\.Read\.All/);
    assert.match(await textOf(driver, "instance-checked"), /Last health check/);
    assert.match(await textOf(driver, "instance-phases"), /Activities/);
    assert.match(await textOf(driver, "instance-phases"), /groups \+ memberships/);
    await screenshot(driver, "42-m365-drawer");
    await driver.actions().sendKeys("\uE00C").perform();
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=instance-drawer]"))).length === 0, 5000);
  });

  it("signs an administrator in through the browser (authorization code + PKCE, loopback redirect)", async () => {
    await m365Form("Contoso admin");
    await (await driver.findElement(By.xpath("//label[normalize-space()='Sign in as an administrator']"))).click();
    await (await byTestId(driver, "wizard-client-id")).sendKeys(M365_CLIENT);
    await (await byTestId(driver, "wizard-oauth-url")).sendKeys(m365.url);
    await press(driver, "wizard-connect");
    const authorize = (await textOf(driver, "wizard-authorize-url")).trim();
    assert.match(authorize, /code_challenge_method=S256/);
    await screenshot(driver, "43-m365-browser-wait");
    // The system browser: the fake consents and redirects to the app's loopback listener.
    const page = await (await fetch(authorize)).text();
    assert.match(page, /Cloudwarden is connected/);
    assert.match(await textOf(driver, "wizard-result"), /Connected as/);
    await screenshot(driver, "44-m365-signed-in");
    await press(driver, "wizard-done");
    await driver.wait(async () => (await text(driver, "instance-status-Contoso admin")) === "connected" && Number((await text(driver, "instance-accounts-Contoso admin")).replace(/\D/g, "")) >= 200, 90000, "the signed-in instance did not scan");
    await screenshot(driver, "45-all-instances");
  });

  it("filters the activity log across instances and opens an event with the vendor's record", async () => {
    await press(driver, "nav-activities");
    const rows = async () => driver.executeScript("return document.querySelectorAll('[data-testid=activity-row]').length");
    await driver.wait(async () => (await rows()) > 0, 15000, "the activity log stays empty");
    await screenshot(driver, "50-activity-log");
    // Failed sign-ins only: every row shown is one, and the engine agrees with the CLI.
    await pick(driver, "activity-category", "Sign-in");
    await pick(driver, "activity-outcome", "Failure");
    const cells = async () =>
      driver.executeScript(
        "return [...document.querySelectorAll('[data-testid=activity-row]')].map(r => r.textContent)",
      );
    await driver.wait(async () => {
      const shown = await cells();
      return shown.length > 0 && shown.every((t) => t.includes("Sign-in") && t.includes("failure"));
    }, 15000, "the filter did not narrow the log to failed sign-ins");
    const cliPage = JSON.parse(
      execFileSync(cli, ["activities", "list", "--category", "sign_in", "--outcome", "failure", "--limit", "1", "--json"], { encoding: "utf8" }),
    );
    const first = await driver.findElement(By.css("[data-testid=activity-row]"));
    assert.equal(await first.getAttribute("data-event-id"), cliPage.items[0].event_id);
    await screenshot(driver, "51-activity-failed-sign-ins");
    await (await first.findElement(By.css("td"))).click();
    assert.match(await textOf(driver, "activity-fields"), /Sign-in/);
    assert.match(await textOf(driver, "activity-raw"), /errorCode/);
    await driver.sleep(500); // the drawer's slide-in
    await screenshot(driver, "52-activity-event");
    await driver.actions().sendKeys(Key.ESCAPE).perform();
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=activity-raw]"))).length === 0, 5000);
    // Export what the filters select: the file has the CLI's count of failed sign-ins.
    const out = join(mkdtempSync(join(tmpdir(), "cw-e2e-")), "failed-sign-ins.csv");
    answerDialog([out]);
    await press(driver, "activity-export");
    await press(driver, "activity-export-csv");
    await driver.wait(async () => existsSync(out), 30000, "the export was not written");
    const lines = readFileSync(out, "utf8").trim().split("\n");
    assert.match(lines[0], /^time,instance,/);
    const cliAll = JSON.parse(
      execFileSync(cli, ["activities", "list", "--category", "sign_in", "--outcome", "failure", "--limit", "1000", "--json"], { encoding: "utf8" }),
    );
    assert.equal(lines.length - 1, cliAll.items.length);
  });

  it("finds an administrator across two apps on the Accounts page, after linking their GitHub account", async () => {
    const cliJson = (args) => JSON.parse(execFileSync(cli, [...args, "--json"], { encoding: "utf8" }));
    const m365Admin = cliJson(["accounts", "list", "--admins", "--app", "m365", "--limit", "1000"]).items.find((p) => p.key.includes("@"));
    const ghOwner = cliJson(["accounts", "list", "--admins", "--app", "github", "--limit", "1"]).items[0];
    const login = ghOwner.accounts[0].login;
    await press(driver, "nav-accounts");
    await byTestId(driver, "people-table");
    await screenshot(driver, "53-accounts");
    const chip = async (label) => (await driver.findElement(By.xpath(`//label[normalize-space()='${label}']`))).click();
    // The GitHub owner, alone (GitHub lists no e-mail addresses): link it to the M365 admin.
    await (await byTestId(driver, "people-search")).sendKeys(login);
    const row = async (key) => driver.wait(until.elementLocated(By.css(`[data-testid=person-row][data-person="${key}"]`)), 15000, `no person ${key}`);
    await (await (await row(ghOwner.key)).findElement(By.css("td:nth-child(2)"))).click();
    // The popover opens on the click; a click that lands while the table re-renders is tried again.
    let input = null;
    for (let attempt = 0; attempt < 3 && input === null; attempt++) {
      await press(driver, `link-${ghOwner.accounts[0].instance_id}-${login}`);
      input = await byTestId(driver, "link-person", 4000).catch(() => null);
    }
    if (input === null) {
      await screenshot(driver, "failed-link-popover");
      throw new Error("the link popover did not open");
    }
    await input.sendKeys(m365Admin.key);
    await press(driver, "link-confirm");
    // Administrators across apps: the person now has both.
    const search = await byTestId(driver, "people-search");
    await search.sendKeys(...Array(login.length).fill(Key.BACK_SPACE), m365Admin.key);
    await chip("Administrators");
    const shown = async () =>
      driver.executeScript(`return [...document.querySelectorAll('[data-testid=person-row]')].map(r => r.dataset.person + ' ' + r.textContent)`);
    await driver
      .wait(async () => {
        const rows = await shown();
        return rows.length === 1 && rows[0].startsWith(m365Admin.key) && /GitHub/.test(rows[0]) && /Microsoft 365/.test(rows[0]);
      }, 15000, "the administrator does not show both apps")
      .catch(async (e) => {
        await screenshot(driver, "failed-admin-across-apps");
        throw new Error(`${e.message}: ${JSON.stringify(await shown())}`);
      });
    await (await (await row(m365Admin.key)).findElement(By.css("td:nth-child(2)"))).click();
    const accounts = await textOf(driver, "person-accounts");
    assert.match(accounts, /Linked by an analyst/);
    assert.match(accounts, /Same e-mail address/);
    await screenshot(driver, "54-admin-across-apps");
    const linked = cliJson(["accounts", "list", "--admins", "--text", m365Admin.key]).items[0];
    assert.deepEqual(linked.apps, ["github", "m365"]);
  });

  it("lists the people an app reports without a second factor", async () => {
    const cliJson = (args) => JSON.parse(execFileSync(cli, [...args, "--json"], { encoding: "utf8" }));
    const without = cliJson(["accounts", "list", "--no-mfa", "--limit", "1000"]).items.map((p) => p.key);
    assert.ok(without.length > 0, "the tenants have accounts without MFA");
    const chip = async (label) => (await driver.findElement(By.xpath(`//label[normalize-space()='${label}']`))).click();
    const search = await byTestId(driver, "people-search");
    await search.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
    await chip("Administrators"); // off again
    await chip("Without MFA");
    const shown = async () => driver.executeScript("return [...document.querySelectorAll('[data-testid=person-row]')].map(r => r.dataset.person)");
    await driver
      .wait(async () => {
        const rows = await shown();
        return rows.length === without.length && rows.every((k) => without.includes(k));
      }, 15000, "the page does not show the engine's people without MFA")
      .catch(async (e) => {
        await screenshot(driver, "failed-no-mfa");
        throw new Error(`${e.message}: ${JSON.stringify(await shown())} vs ${JSON.stringify(without)}`);
      });
    await screenshot(driver, "54b-people-without-mfa");
    await chip("Without MFA");
  });

  it("filters files shared publicly and opens one with who can reach it", async () => {
    await press(driver, "nav-files");
    await byTestId(driver, "files-table");
    await pick(driver, "files-sharing", "Public (anyone with the link)");
    const cliPage = JSON.parse(execFileSync(cli, ["files", "list", "--sharing", "public", "--json"], { encoding: "utf8" }));
    assert.ok(cliPage.items.length > 0, "the tenant has public files");
    const sharing = async () =>
      driver.executeScript("return [...document.querySelectorAll('[data-testid=file-row]')].map(r => r.dataset.sharing)");
    await driver.wait(async () => {
      const shown = await sharing();
      return shown.length === cliPage.items.length && shown.every((s) => s === "public");
    }, 15000, "the page does not show the engine's public files");
    await screenshot(driver, "55-files-public");
    await (await driver.findElement(By.css("[data-testid=file-row] td"))).click();
    assert.match(await textOf(driver, "file-raw"), /webUrl/);
    await driver.sleep(500); // the drawer's slide-in
    await screenshot(driver, "56-file-drawer");
    await driver.actions().sendKeys(Key.ESCAPE).perform();
  });

  it("bans an OAuth app after a dry run and a confirmation, revoking its grants in Microsoft 365", async () => {
    await press(driver, "nav-oauth-apps");
    await byTestId(driver, "oauth-table");
    await pick(driver, "oauth-level", "High");
    const rows = async () =>
      driver.executeScript("return [...document.querySelectorAll('[data-testid=oauth-row]')].map(r => r.dataset.key)");
    await driver.wait(async () => (await rows()).length > 0, 15000, "no high-level app");
    await screenshot(driver, "57-oauth-apps");
    const key = (await rows())[0];
    await (await driver.findElement(By.css(`[data-testid=oauth-row][data-key="${key}"] td`))).click();
    assert.match(await textOf(driver, "oauth-permissions"), /high/);
    await press(driver, "oauth-ban");
    // The dry run lists every grant and request before anything changes.
    await byTestId(driver, "ban-steps");
    const outcomes = async () =>
      driver.executeScript("return [...document.querySelectorAll('[data-testid=ban-step]')].map(r => r.dataset.outcome)");
    const planned = await outcomes();
    assert.ok(planned.length > 0 && planned.every((o) => o === "planned"), JSON.stringify(planned));
    await driver.sleep(500); // the dialog's fade-in
    await screenshot(driver, "58-ban-dry-run");
    await press(driver, "ban-confirm");
    await byTestId(driver, "ban-done", 30000);
    const done = await outcomes();
    assert.ok(done.every((o) => o === "revoked" || o === "already_gone"), JSON.stringify(done));
    assert.ok(done.includes("revoked"));
    await screenshot(driver, "59-ban-done");
    await driver.actions().sendKeys(Key.ESCAPE).perform(); // the toast may lie over Close
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=ban-done]"))).length === 0, 5000);
    const banned = JSON.parse(execFileSync(cli, ["oauth-apps", "list", "--status", "banned", "--json"], { encoding: "utf8" }));
    assert.ok(banned.items.some((a) => a.key === key && a.grants === 0));
  });

  it("shows what changed after a second scan: the banned app's grants are gone", async () => {
    const instance = JSON.parse(execFileSync(cli, ["instances", "--json"], { encoding: "utf8" })).find((i) => i.name === "Contoso");
    const snapshots = () =>
      JSON.parse(execFileSync(cli, ["changes", "--list", "--instance", instance.id, "--json"], { encoding: "utf8" })).length;
    const before = snapshots();
    assert.ok(before >= 1, "the first scan left a snapshot");
    await press(driver, "nav-connectors");
    await press(driver, "instance-scan-Contoso");
    await driver.wait(async () => snapshots() > before, 90000, "the second scan did not finish");
    await press(driver, "nav-changes");
    const card = await driver.wait(until.elementLocated(By.css('[data-testid=changes-instance][data-instance="Contoso"]')), 15000);
    const removed = await card.findElement(By.css("[data-testid=changes-count-removed_grants]"));
    assert.ok(Number((await removed.getAttribute("textContent")).replace(/\D/g, "")) > 0);
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'start' })", card);
    await screenshot(driver, "60-what-changed");
  });
});
