/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against the whole local system (`fastcart local`'s start-up, in this process).
 * The page loads, its numbers move under a short load, the console stays free of errors, and a
 * screenshot is written as a test artefact (its path is printed). .ci/run installs `chromium`; on a
 * machine without it the test says so and skips (under CI=true it fails instead).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { type LocalSystem, startLocal } from "../tools/local/local.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));
/** Headless, sandbox off (root in CI), and nothing that would call home or update itself. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI === "true") {
  throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package; refusing to skip.`);
}

/**
 * Polls an element's text from the test side until `ok` accepts it (bounded). The page's CSP allows
 * no eval, so page-side predicates (waitForFunction) cannot run there — which is the point of it.
 */
async function waitForText(page: Page, selector: string, ok: (text: string) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await page.locator(selector).textContent()) ?? "";
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${selector} still shows "${last}" after ${timeoutMs} ms`);
}

/** Places `count` orders as the demo customer, `concurrency` at a time. */
async function placeOrders(system: LocalSystem, count: number, concurrency = 8): Promise<number> {
  let next = 0;
  let accepted = 0;
  const skus = ["TSHIRT-BLK-M", "MUG-LOGO", "SOCKS-3PK", "POSTER-A2"];
  const loop = async () => {
    while (next < count) {
      const sku = skus[next++ % skus.length]!;
      const response = await fetch(`${system.url}/orders`, {
        method: "POST",
        headers: { authorization: `Bearer ${system.customerToken}`, "content-type": "application/json" },
        body: JSON.stringify({ customerId: "customer-1", currency: "EUR", items: [{ sku, quantity: 1 }] }),
      });
      if (response.status === 202) accepted++;
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return accepted;
}

describe("dashboard in Chromium", {
  skip: missing && `no Chromium at ${CHROMIUM} (apt-get install chromium)`,
}, () => {
  let database: TestDatabase;
  let system: LocalSystem;
  let browser: Browser;

  before(async () => {
    database = await createTestDatabase("dashboard");
    system = await startLocal({ DATABASE_URL: database.url, PORT: "0", LOG_LEVEL: "warn" });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await system?.lifecycle.shutdown();
    await database?.drop();
  });

  test("loads, its numbers move under load, no console errors; screenshot kept", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));

    await page.goto(`${system.url}/dashboard`, { waitUntil: "load" });
    await waitForText(page, "#total-accepted", (text) => text === "0");
    assert.equal(await page.title(), "FastCart Orders — dashboard");

    const accepted = await placeOrders(system, 300);
    assert.equal(accepted, 300);
    // The totals reach what was placed, decisions follow, and the rate tile showed traffic.
    await waitForText(page, "#total-accepted", (text) => text === "300");
    await waitForText(page, "#total-confirmed", (text) => Number(text.replace(/,/g, "")) > 0);
    const latest = await page.locator("#latest-orders tr").count();
    assert.ok(latest > 0, "no latest orders listed");
    assert.match((await page.locator("#low-stock").textContent()) ?? "", /POSTER-A2/);
    assert.notEqual(await page.locator("#latency-p99").textContent(), "–");

    await mkdir(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, "dashboard.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`# dashboard screenshot: ${screenshot}\n`);
    assert.deepEqual(problems, []);
  });
});

describe("dashboard in Chromium, deployed shape (DASHBOARD_AUTH=admin, table mode)", {
  skip: missing && `no Chromium at ${CHROMIUM} (apt-get install chromium)`,
}, () => {
  let database: TestDatabase;
  let system: LocalSystem;
  let browser: Browser;

  before(async () => {
    database = await createTestDatabase("dashboard-admin");
    system = await startLocal({
      DATABASE_URL: database.url,
      PORT: "0",
      LOG_LEVEL: "warn",
      INTAKE_MODE: "table",
      DASHBOARD_AUTH: "admin",
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await system?.lifecycle.shutdown();
    await database?.drop();
  });

  test("asks for a token, refuses a customer's, shows the figures with an admin's", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${system.url}/dashboard`);
    await page.locator("#token-form").waitFor({ state: "visible", timeout: 30_000 });
    assert.equal(await page.locator("#board").isHidden(), true, "no figures before a token");

    await page.fill("#token-input", system.customerToken);
    await page.click("#token-form button");
    await waitForText(page, "#token-error", (text) => text.includes("token refused (403)"));

    await page.fill("#token-input", system.adminToken);
    await page.click("#token-form button");
    await page.locator("#board").waitFor({ state: "visible", timeout: 30_000 });
    await waitForText(page, "#backlog-label", (text) => text === "pending rows");
    await waitForText(page, "#context", (text) => text.endsWith("table mode"));
    // Kept for this tab only: a reload needs no new token.
    assert.equal(await page.evaluate(() => sessionStorage.length), 1);
    assert.deepEqual(errors, []);
  });
});
