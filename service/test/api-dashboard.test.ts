/**
 * /dashboard and /dashboard/data against a real database and registry (the api harness), the access
 * log's one line per request, and the window arithmetic behind the live figures.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { createDashboardSource } from "../src/dashboard/data.js";
import { quantileBetween } from "../src/dashboard/metrics-window.js";
import { listQuarantined, quarantineRecords, resolveQuarantined } from "../src/store/quarantine-store.js";
import { type ApiHarness, createApiHarness } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const order = (customerId: string, sku: string, quantity = 1) => ({
  customerId,
  currency: "EUR",
  items: [{ sku, quantity }],
});

describe("/dashboard", () => {
  let h: ApiHarness;
  let guarded: FastifyInstance;
  let open: FastifyInstance;
  before(async () => {
    h = await createApiHarness("dashboard");
    await h.products([
      { sku: "DASH-PLENTY", name: "Plenty", unitPrice: 500, currency: "EUR", stock: 1000 },
      { sku: "DASH-SCARCE", name: "Scarce", unitPrice: 900, currency: "EUR", stock: 3 },
    ]);
    const dashboard = () =>
      createDashboardSource({
        environment: "test",
        intakeMode: "stream",
        registry: h.registry,
        db: h.db,
        backlog: async () => 7,
      });
    guarded = await h.buildAnother({ dashboard: dashboard() });
    open = await h.buildAnother({ dashboard: dashboard(), config: { ...h.config, dashboardAuth: "none" } });
  });
  after(() => h.close());

  test("the page is public, self-contained (CSP: own scripts only) and loads its assets", async () => {
    const page = await guarded.inject({ url: "/dashboard" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
    assert.match(page.body, /<script src="\/dashboard\/static\/dashboard\.js" defer><\/script>/);
    const script = await guarded.inject({ url: "/dashboard/static/dashboard.js" });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers["content-type"]), /^text\/javascript/);
    assert.equal((await guarded.inject({ url: "/dashboard/static/dashboard.css" })).statusCode, 200);
    assert.equal((await guarded.inject({ url: "/dashboard/static/../app.ts" })).statusCode, 404);
  });

  test("the data needs an admin token by default: none → 401, a customer → 403", async () => {
    assert.equal((await guarded.inject({ url: "/dashboard/data" })).statusCode, 401);
    const customer = await guarded.inject({ url: "/dashboard/data", headers: await h.customer("c-1") });
    assert.equal(customer.statusCode, 403);
  });

  test("accepted orders, latest orders, low stock and the backlog show up in the data", async () => {
    const headers = await h.customer("dash-1");
    for (const sku of ["DASH-PLENTY", "DASH-SCARCE"]) {
      const placed = await guarded.inject({
        method: "POST",
        url: "/orders",
        headers,
        payload: order("dash-1", sku),
      });
      assert.equal(placed.statusCode, 202, placed.body);
    }
    await h.decide();
    const response = await guarded.inject({ url: "/dashboard/data", headers: await h.admin() });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers["cache-control"], "no-store");
    const data = response.json();
    assert.equal(data.intakeMode, "stream");
    assert.ok(data.totals.accepted >= 2, JSON.stringify(data.totals));
    assert.deepEqual(data.backlog.pending, 7);
    assert.equal(data.backlog.source, "this-process");
    const mine = data.latestOrders.filter((o: { customerId: string }) => o.customerId === "dash-1");
    assert.equal(mine.length, 2);
    assert.ok(mine.every((o: { status: string }) => o.status === "CONFIRMED"));
    assert.deepEqual(
      data.lowStock.find((p: { sku: string }) => p.sku === "DASH-SCARCE"),
      { sku: "DASH-SCARCE", name: "Scarce", stock: 2 },
    );
    assert.equal(
      data.lowStock.some((p: { sku: string }) => p.sku === "DASH-PLENTY"),
      false,
    );
  });

  test("quarantined counts the open quarantine entries, fleet-wide (not this process's counter)", async () => {
    // A fresh source each read: one source recomputes at most once a second.
    const quarantined = async () =>
      (
        await createDashboardSource({
          environment: "test",
          intakeMode: "stream",
          registry: h.registry,
          db: h.db,
        }).data()
      ).quarantined;
    const before = await quarantined();
    assert.equal(typeof before, "number");
    const orderId = randomUUID();
    await quarantineRecords(h.db, [
      {
        intake: "table",
        orderId,
        rawData: new TextEncoder().encode("{}"),
        reason: "failed",
        error: "dashboard test entry",
        attempts: 1,
        firstSeenAt: new Date(),
        lastSeenAt: new Date(),
      },
    ]);
    assert.equal(await quarantined(), before! + 1);
    const entry = (await listQuarantined(h.db, { limit: 500 })).find((e) => e.orderId === orderId);
    assert.ok(entry, "the entry is listed");
    assert.ok(await resolveQuarantined(h.db, entry.quarantineId, "DISCARDED", "dashboard test"));
    assert.equal(await quarantined(), before, "a discarded entry no longer counts");
  });

  test("with DASHBOARD_AUTH=none the data is open (fastcart local)", async () => {
    const response = await open.inject({ url: "/dashboard/data" });
    assert.equal(response.statusCode, 200, response.body);
  });
});

describe("access log", () => {
  const h = perSuite(() => createApiHarness("access-log"));

  async function linesFor(mode: "all" | "errors" | "off", requests: { url: string; headers?: object }[]) {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const app = await h.buildAnother({
      logger: pino({ level: "info" }, stream),
      config: { ...h.config, accessLog: mode },
    });
    for (const request of requests) await app.inject({ ...request, headers: { ...request.headers } });
    return lines.filter((line) => "route" in line);
  }

  test("one info line per request: method, route template, status, duration, request id", async () => {
    const lines = await linesFor("all", [
      { url: "/health", headers: { "x-request-id": "req-42" } },
      { url: "/orders/6f1c2a8e-0000-4000-8000-000000000000" },
    ]);
    assert.equal(lines.length, 2, JSON.stringify(lines));
    const [health, unauthorised] = lines;
    assert.equal(health!.level, 30);
    assert.equal(health!.requestId, "req-42");
    assert.deepEqual([health!.method, health!.route, health!.status], ["GET", "/health", 200]);
    assert.equal(typeof health!.ms, "number");
    assert.match(String(health!.msg), /^GET \/health 200 [\d.]+ ms$/);
    // The template, not the order id.
    assert.deepEqual([unauthorised!.route, unauthorised!.status], ["/orders/:id", 401]);
  });

  test("ACCESS_LOG=errors keeps only status ≥ 400; off keeps none", async () => {
    const requests = [{ url: "/health" }, { url: "/orders/x" }];
    const errors = await linesFor("errors", requests);
    assert.deepEqual(
      errors.map((line) => line.status),
      [401],
    );
    assert.deepEqual(await linesFor("off", requests), []);
  });
});

describe("window arithmetic", () => {
  test("quantileBetween interpolates inside the bucket of the rank, over the observations between two snapshots", () => {
    const before = new Map([
      [0.01, 10],
      [0.05, 10],
      [Number.POSITIVE_INFINITY, 10],
    ]);
    const after = new Map([
      [0.01, 60],
      [0.05, 110],
      [Number.POSITIVE_INFINITY, 110],
    ]);
    // 50 new observations ≤ 10 ms, 50 in (10, 50] ms: the median is the 10 ms bound, p99 near 50 ms.
    assert.equal(quantileBetween(0.5, before, after), 0.01);
    assert.ok(Math.abs(quantileBetween(0.99, before, after)! - 0.0492) < 1e-9);
    assert.equal(quantileBetween(0.5, after, after), null);
  });
});
