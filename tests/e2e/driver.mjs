// Drives the real Cloudwarden desktop app through tauri-driver (WebDriver on 127.0.0.1:4444),
// which starts the app under WebKitWebDriver. Run through tests/e2e/run.sh.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Builder, By, Capabilities, Key, until } from "selenium-webdriver";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const artifacts = join(root, "target/e2e-artifacts");
const app = process.env.CLOUDWARDEN_APP ?? join(root, "target/debug/cloudwarden-desktop");
const cli = process.env.CLOUDWARDEN_CLI ?? join(root, "target/debug/cloudwarden");
const server = process.env.TAURI_DRIVER_URL ?? "http://127.0.0.1:4444/";

/** Queues what the app's next file dialog answers: the paths chosen (`null`: cancelled). */
export function answerDialog(paths) {
  const queue = process.env.CLOUDWARDEN_E2E_DIALOG;
  if (!queue) throw new Error("CLOUDWARDEN_E2E_DIALOG is not set (run through tests/e2e/run.sh)");
  const answers = JSON.parse(readFileSync(queue, "utf8"));
  answers.push(paths);
  writeFileSync(queue, JSON.stringify(answers));
}

/** Starts the app and returns a WebDriver session on its window. */
export async function launch() {
  const capabilities = new Capabilities();
  capabilities.setBrowserName("wry");
  capabilities.set("tauri:options", { application: app });
  const driver = await new Builder().withCapabilities(capabilities).usingServer(server).build();
  await driver.manage().setTimeouts({ implicit: 0 });
  // The first start of a webview on a fresh machine can be slow: wait for the navigation once,
  // with room, and say what the window shows when it never comes.
  try {
    await driver.wait(until.elementLocated(By.css("[data-testid=nav-catalog]")), 60000);
  } catch (e) {
    throw new Error(`the app's navigation never appeared: ${await describePage(driver)}`, { cause: e });
  }
  return driver;
}

let failures = 0;

/**
 * What the window shows, for an error message: its address, title, the start of its text, and
 * a screenshot (target/e2e-artifacts/failure-N.png) — so a failure on CI can be understood from
 * its log alone.
 */
export async function describePage(driver) {
  const parts = [];
  try {
    const page = await driver.executeScript(
      "return { url: location.href, title: document.title, text: (document.body?.innerText ?? '').slice(0, 600), nodes: document.getElementsByTagName('*').length }",
    );
    parts.push(`url=${page.url} title=${JSON.stringify(page.title)} elements=${page.nodes}`);
    parts.push(`text=${JSON.stringify(page.text)}`);
  } catch (e) {
    parts.push(`(page not readable: ${e?.message ?? e})`);
  }
  try {
    failures += 1;
    parts.push(`screenshot=${await screenshot(driver, `failure-${failures}`)}`);
  } catch (e) {
    parts.push(`(no screenshot: ${e?.message ?? e})`);
  }
  return parts.join(" | ");
}

/** Waits for an element by `data-testid` and returns it. */
export async function byTestId(driver, id, timeout = 15000) {
  try {
    return await driver.wait(until.elementLocated(By.css(`[data-testid="${id}"]`)), timeout);
  } catch (e) {
    if (e?.name !== "TimeoutError") throw e;
    throw new Error(`no [data-testid=${id}] within ${timeout} ms — ${await describePage(driver)}`, { cause: e });
  }
}

/**
 * Clicks an element by `data-testid` as a person would: scrolled into view, and when something
 * lies over it (a toast of a scan that just ended), waits for that to go and clicks again.
 */
export async function press(driver, id, timeout = 20000) {
  const el = await byTestId(driver, id);
  await driver.executeScript("arguments[0].scrollIntoView({ block: 'center', inline: 'center' })", el);
  await driver.wait(until.elementIsVisible(el), 5000, `[data-testid=${id}] is not visible`);
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await el.click();
      return el;
    } catch (e) {
      if (e?.name !== "ElementClickInterceptedError" || Date.now() > deadline) throw e;
      await driver.sleep(250);
    }
  }
}

/**
 * Picks an option of the Mantine Select whose input has `data-testid=testId`: the one whose
 * label is `option`, or (with `{ prefix: true }`) starts with it.
 */
export async function pick(driver, testId, option, { prefix = false } = {}) {
  const input = await byTestId(driver, testId);
  await input.click();
  const listboxId = await input.getAttribute("aria-controls");
  const listbox = await driver.wait(until.elementLocated(By.id(listboxId)), 5000);
  const test = prefix ? `starts-with(normalize-space(), '${option}')` : `normalize-space()='${option}'`;
  const choice = await listbox.findElement(By.xpath(`.//*[@role='option'][${test}]`));
  await driver.wait(until.elementIsVisible(choice), 5000);
  await choice.click();
}

/** Waits until the element's text is non-empty and returns it. */
export async function textOf(driver, id) {
  const el = await byTestId(driver, id);
  // textContent, not getText(): WebKitWebDriver's visible-text algorithm drops some styled text.
  const read = async () => ((await el.getAttribute("textContent")) ?? "").trim();
  await driver.wait(async () => (await read()) !== "", 15000, `[data-testid=${id}] stays empty`);
  return read();
}

export async function screenshot(driver, name) {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name}.png`);
  writeFileSync(file, await driver.takeScreenshot(), "base64");
  return file;
}

export async function colorScheme(driver) {
  return driver.executeScript("return document.documentElement.getAttribute('data-mantine-color-scheme')");
}

/** What the engine reports for the same data directory, through the CLI. */
export function engineStatus() {
  return JSON.parse(execFileSync(cli, ["status", "--json"], { encoding: "utf8" }));
}

export { By, Key, until };
