/**
 * `INTAKE_MODE=table npm start`, composed (startLocal): real HTTP on port 0, the API writing PENDING
 * rows, two TableOrderWorkers and PostgreSQL — no stream anywhere (KINESIS_ENDPOINT points at a closed
 * port, so anything that touched Kinesis would fail). Orders go in over HTTP and come out decided,
 * with the stock arithmetic exact; shutdown is clean and prompt.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type LocalSystem, startLocal } from "../tools/local/local.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

describe("local system in table mode (startLocal: API + 2 table workers + PostgreSQL)", () => {
  let database: TestDatabase;
  let system: LocalSystem;
  let stopped = false;

  const call = async (method: string, path: string, body?: unknown, token = system.adminToken) => {
    const response = await fetch(`${system.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, text };
  };

  before(async () => {
    database = await createTestDatabase("e2e_local_table");
    system = await startLocal({
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: database.url,
      INTAKE_MODE: "table",
      KINESIS_ENDPOINT: "http://127.0.0.1:1",
      LOG_LEVEL: "warn",
    });
  });

  after(async () => {
    if (system && !stopped) await system.lifecycle.shutdown().catch(() => undefined);
    await database?.drop();
  });

  test("/ready is green with no stream: the intake dependency is the order table", async () => {
    const ready = await call("GET", "/ready");
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.json.dependencies.intake, "ok");
  });

  test("60 orders over HTTP → 60 final statuses, stock exact", async () => {
    const sku = `E2ET-${randomUUID().slice(0, 8)}`.toUpperCase();
    const put = await call("PUT", `/products/${sku}`, {
      name: "Scarce",
      unitPrice: 700,
      currency: "EUR",
      stock: 50,
    });
    assert.equal(put.status, 200, put.text);
    const placed = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const quantity = 1 + (i % 2);
        const res = await call("POST", "/orders", {
          customerId: "customer-t",
          currency: "EUR",
          items: [{ sku, quantity }],
        });
        assert.equal(res.status, 202, res.text);
        return { orderId: res.json.orderId as string, quantity };
      }),
    );
    const deadline = Date.now() + 20_000;
    const final = new Map<string, string>();
    while (final.size < placed.length && Date.now() < deadline) {
      for (const o of placed) {
        if (final.has(o.orderId)) continue;
        const view = await call("GET", `/orders/${o.orderId}`);
        assert.equal(view.status, 200, "an accepted order is never a 404");
        if (view.json.status !== "PENDING") final.set(o.orderId, view.json.status);
      }
      if (final.size < placed.length) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(final.size, 60, "every order decided");
    const confirmedQty = placed
      .filter((o) => final.get(o.orderId) === "CONFIRMED")
      .reduce((sum, o) => sum + o.quantity, 0);
    const product = await call("GET", `/products/${sku}`);
    assert.equal(50 - product.json.stock, confirmedQty, "stock reserved == confirmed quantity");
    assert.ok(product.json.stock >= 0);
    assert.ok([...final.values()].includes("REJECTED"), "90 units wanted of 50: some rejected");
    const metrics = await fetch(`${system.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /^pending_orders\{[^}]*\} \d+$/m, "the pending-orders gauge is published");
  });

  test("shutdown stops workers, API and runtime promptly", async () => {
    const started = Date.now();
    await system.lifecycle.shutdown();
    stopped = true;
    assert.ok(Date.now() - started < 10_000, `shutdown took ${Date.now() - started} ms`);
  });
});
