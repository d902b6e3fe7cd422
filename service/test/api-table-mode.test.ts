/**
 * The API in table mode (stack orders-api-prod): POST /orders writes the order as a PENDING row before
 * answering 202, so GET /orders/:id reads it from the database at once — with the status cache down —
 * and, after a TableOrderWorker decided it, answers the decision with its prices.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { TableOrderIntake } from "../src/modes/table/table-intake.js";
import { TableOrderWorker } from "../src/modes/table/table-worker.js";
import { applyOrders } from "../src/store/processing.js";
import { type ApiHarness, createApiHarness } from "./support/api-harness.js";
import { quietLogger } from "./support/worker-harness.js";

describe("API in table mode", () => {
  let h: ApiHarness;
  let app: FastifyInstance;
  let worker: TableOrderWorker | undefined;
  before(async () => {
    h = await createApiHarness("apitable", { env: { INTAKE_MODE: "table" } });
    // The cache is a Redis on a closed port: every read below must come from the database.
    app = await h.buildAnother({ intake: new TableOrderIntake(h.db), cache: h.deadCache() });
    await h.products([{ sku: "TM-SHIRT", name: "Shirt", unitPrice: 1_250, currency: "EUR", stock: 4 }]);
  });
  after(async () => {
    await worker?.kill();
    await h?.close();
  });

  test("an accepted order is PENDING in the database at once, decided by a worker, read back priced", async () => {
    const auth = await h.customer("cust-tm");
    const orderId = randomUUID();
    const body = {
      orderId,
      customerId: "cust-tm",
      currency: "EUR",
      items: [{ sku: "TM-SHIRT", quantity: 3 }],
    };
    const accepted = await app.inject({ method: "POST", url: "/orders", headers: auth, payload: body });
    assert.equal(accepted.statusCode, 202, accepted.body);
    assert.equal(accepted.headers.location, `/orders/${orderId}`);

    const row = await h.db
      .selectFrom("orders")
      .select("status")
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    assert.equal(row?.status, "PENDING", "the row is committed before the 202");
    const pending = await app.inject({ method: "GET", url: `/orders/${orderId}`, headers: auth });
    assert.equal(pending.statusCode, 200, pending.body);
    assert.equal(pending.json().status, "PENDING");
    assert.deepEqual(pending.json().items, [{ sku: "TM-SHIRT", quantity: 3, unitPrice: 0, lineTotal: 0 }]);
    assert.equal(h.intake.attempts, 0, "nothing went to the stream");

    // A client retry with the same orderId: accepted again, still one order.
    const retry = await app.inject({ method: "POST", url: "/orders", headers: auth, payload: body });
    assert.equal(retry.statusCode, 202);

    worker = new TableOrderWorker({
      db: h.db,
      applyOrders,
      cache: h.deadCache(),
      logger: quietLogger,
      polling: { idleBackoffMinMs: 20, idleBackoffMaxMs: 100 },
    });
    await worker.start();
    const deadline = Date.now() + 10_000;
    let view = pending.json();
    while (view.status === "PENDING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      view = (await app.inject({ method: "GET", url: `/orders/${orderId}`, headers: auth })).json();
    }
    await worker.stop();
    assert.equal(view.status, "CONFIRMED");
    assert.equal(view.total, 3_750);
    assert.deepEqual(
      view.history.map((e: { status: string }) => e.status),
      ["PENDING", "CONFIRMED"],
    );
    const rows = await h.db
      .selectFrom("orders")
      .select("order_id")
      .where("customer_id", "=", "cust-tm")
      .execute();
    assert.equal(rows.length, 1, "the retried POST did not create a second order");
    const stock = await h.db
      .selectFrom("products")
      .select("stock")
      .where("sku", "=", "TM-SHIRT")
      .executeTakeFirst();
    assert.equal(stock?.stock, 1);
  });

  test("the OpenAPI description tells table mode's story: PENDING rows, no stream", async () => {
    const doc = (await app.inject({ url: "/docs/json" })).json();
    assert.match(doc.info.description, /committed as a PENDING row/);
    assert.doesNotMatch(doc.info.description, /stream/i);
  });

  test("someone else's PENDING order is a 404; /ready checks the order table", async () => {
    const orderId = randomUUID();
    const accepted = await app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("cust-a"),
      payload: { orderId, customerId: "cust-a", currency: "EUR", items: [{ sku: "TM-SHIRT", quantity: 1 }] },
    });
    assert.equal(accepted.statusCode, 202);
    const other = await app.inject({
      method: "GET",
      url: `/orders/${orderId}`,
      headers: await h.customer("cust-b"),
    });
    assert.equal(other.statusCode, 404);
    const ready = await (await h.buildAnother({ intake: new TableOrderIntake(h.db) })).inject({
      method: "GET",
      url: "/ready",
    });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.equal(ready.json().dependencies.intake, "ok");
  });
});
