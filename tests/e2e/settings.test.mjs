import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { By, byTestId, colorScheme, engineStatus, launch, screenshot, textOf } from "./driver.mjs";

describe("Settings and About in the real app", () => {
  let driver;

  before(async () => {
    driver = await launch();
  });

  after(async () => {
    await driver?.quit();
  });

  it("shows the data directory and schema version the engine reports", async () => {
    await (await byTestId(driver, "nav-settings")).click();
    const expectedDir = realpathSync(process.env.CLOUDWARDEN_DATA_DIR);
    const status = engineStatus();
    assert.equal(status.data_dir, expectedDir);

    assert.equal(await textOf(driver, "settings-data-dir"), expectedDir);
    assert.equal(await textOf(driver, "settings-database-path"), status.database.path);
    assert.equal(await textOf(driver, "settings-schema-version"), String(status.database.schema_version));
    assert.equal(await textOf(driver, "settings-version"), status.version);
    // The session has an unlocked gnome-keyring, so the app must see it.
    assert.equal((await textOf(driver, "settings-keychain-badge")).toLowerCase(), "available");
    await screenshot(driver, "01-settings-light");
  });

  it("switches the theme and the engine keeps it", async () => {
    const control = await byTestId(driver, "settings-theme");
    await control.findElement(By.xpath(".//label[normalize-space()='Light']")).click();
    await driver.wait(async () => (await colorScheme(driver)) === "light", 10000, "light theme not applied");

    await control.findElement(By.xpath(".//label[normalize-space()='Dark']")).click();
    await driver.wait(async () => (await colorScheme(driver)) === "dark", 10000, "dark theme not applied");

    // A fresh window has no state of its own: the theme must come back from the engine.
    await driver.navigate().refresh();
    await textOf(driver, "settings-data-dir");
    await driver.wait(async () => (await colorScheme(driver)) === "dark", 10000, "dark theme not restored");
    await screenshot(driver, "02-settings-dark");

    // The header toggle goes back to light.
    await (await byTestId(driver, "header-theme-toggle")).click();
    await driver.wait(async () => (await colorScheme(driver)) === "light", 10000, "header toggle did nothing");
  });

  it("shows the score metric with every factor's weight", async () => {
    const card = await byTestId(driver, "score-metric");
    await driver.executeScript("arguments[0].scrollIntoView()", card);
    const text = await card.getAttribute("textContent");
    assert.match(text, /Multi-factor authentication/);
    assert.match(text, /Count unknown factors as 0/);
    await screenshot(driver, "04-score-metric");
  });

  it("opens About with version, licence and attributions", async () => {
    await (await byTestId(driver, "nav-about")).click();
    const status = engineStatus();
    assert.equal((await textOf(driver, "about-version")).toLowerCase(), `version ${status.version}`);
    assert.match((await textOf(driver, "about-license")).toUpperCase(), /APACHE-2\.0/);
    assert.match(await textOf(driver, "about-components"), /Tauri/);
    await screenshot(driver, "03-about");
  });
});
