/**
 * applyOrders against real PostgreSQL: decisions and their rows, exact stock, replays and duplicates
 * as no-ops, a rolled-back batch leaving nothing. Concurrency and table mode's PENDING rows are in
 * store-processing-concurrency.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyOrders } from "../src/store/processing.js";
import { withTransaction } from "../src/store/transaction.js";
import { ENGINES, insertProducts, migratedDatabase, order, product, stockOf } from "./store-helpers.js";
import { perSuite } from "./support/per-suite.js";

for (const { engine, skip } of ENGINES) {
  describe(`applyOrders on ${engine}: decisions`, { skip }, () => {
    const m = perSuite(() => migratedDatabase("processing", 12, engine));

    const apply = (orders: Parameters<typeof applyOrders>[1], now = new Date()) =>
      withTransaction(m.db, (trx) => applyOrders(trx, orders, now));

    test("confirms, prices every line and writes order, items and two history entries", async () => {
      await insertProducts(m.db, [product("P1-A", 10, 250), product("P1-B", 5, 1999)]);
      const acceptedAt = new Date("2026-01-02T03:04:05.678Z");
      const now = new Date("2026-01-02T03:04:06.789Z");
      const o = order(
        [
          { sku: "P1-A", quantity: 3 },
          { sku: "P1-B", quantity: 2 },
        ],
        { acceptedAt: acceptedAt.toISOString() },
      );
      const [decision] = await apply([o], now);
      assert.deepEqual(decision, {
        orderId: o.orderId,
        customerId: "customer-1",
        status: "CONFIRMED",
        total: 3 * 250 + 2 * 1999,
        applied: true,
        decidedAt: now.toISOString(),
      });
      assert.equal(await stockOf(m.db, "P1-A"), 7);
      assert.equal(await stockOf(m.db, "P1-B"), 3);
      const row = await m.db
        .selectFrom("orders")
        .selectAll()
        .where("order_id", "=", o.orderId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "CONFIRMED");
      assert.equal(row.total, 4748);
      assert.equal(row.rejection_reason, null);
      assert.equal(row.accepted_at.toISOString(), acceptedAt.toISOString());
      assert.equal(row.created_at.toISOString(), acceptedAt.toISOString());
      assert.equal(row.updated_at.toISOString(), now.toISOString());
      const items = await m.db
        .selectFrom("order_items")
        .select(["line_no", "sku", "quantity", "unit_price", "line_total"])
        .where("order_id", "=", o.orderId)
        .orderBy("line_no")
        .execute();
      assert.deepEqual(items, [
        { line_no: 1, sku: "P1-A", quantity: 3, unit_price: 250, line_total: 750 },
        { line_no: 2, sku: "P1-B", quantity: 2, unit_price: 1999, line_total: 3998 },
      ]);
      const history = await m.db
        .selectFrom("order_status_history")
        .select(["seq", "status", "reason", "at"])
        .where("order_id", "=", o.orderId)
        .orderBy("seq")
        .execute();
      assert.deepEqual(history, [
        { seq: 1, status: "PENDING", reason: null, at: acceptedAt },
        { seq: 2, status: "CONFIRMED", reason: null, at: now },
      ]);
    });

    test("rejects with each reason, reserves nothing for rejected orders and stores the reason", async () => {
      await insertProducts(m.db, [product("P2-EUR", 4, 100, "EUR"), product("P2-USD", 4, 100, "USD")]);
      const unknown = order([
        { sku: "P2-USD", quantity: 1 },
        { sku: "P2-NOPE", quantity: 1 },
      ]);
      const mismatch = order([
        { sku: "P2-EUR", quantity: 1 },
        { sku: "P2-USD", quantity: 1 },
      ]);
      const tooMany = order([{ sku: "P2-EUR", quantity: 5 }]);
      const fits = order([{ sku: "P2-EUR", quantity: 4 }]);
      const decisions = await apply([unknown, mismatch, tooMany, fits]);
      assert.deepEqual(
        decisions.map((d) => [d.status, d.reason, d.total]),
        [
          ["REJECTED", "UNKNOWN_SKU", 0],
          ["REJECTED", "CURRENCY_MISMATCH", 0],
          ["REJECTED", "OUT_OF_STOCK", 0],
          ["CONFIRMED", undefined, 400],
        ],
      );
      assert.equal(await stockOf(m.db, "P2-EUR"), 0);
      assert.equal(await stockOf(m.db, "P2-USD"), 4);
      const rows = await m.db
        .selectFrom("orders")
        .select(["order_id", "status", "rejection_reason", "total"])
        .where("order_id", "in", [unknown.orderId, mismatch.orderId, tooMany.orderId])
        .execute();
      assert.equal(rows.length, 3);
      for (const r of rows) assert.equal(r.status, "REJECTED");
      const items = await m.db
        .selectFrom("order_items")
        .select(["unit_price", "line_total"])
        .where("order_id", "=", unknown.orderId)
        .execute();
      assert.deepEqual(items, [
        { unit_price: 0, line_total: 0 },
        { unit_price: 0, line_total: 0 },
      ]);
    });

    test("a replay of the same batch is a no-op reporting the stored decisions", async () => {
      await insertProducts(m.db, [product("P3", 3, 10)]);
      const first = order([{ sku: "P3", quantity: 2 }]);
      const second = order([{ sku: "P3", quantity: 2 }]);
      const decidedAt = new Date("2026-02-01T00:00:00.000Z");
      const original = await apply([first, second], decidedAt);
      assert.deepEqual(
        original.map((d) => d.status),
        ["CONFIRMED", "REJECTED"],
      );
      const replay = await apply([first, second], new Date("2026-02-01T00:05:00.000Z"));
      assert.deepEqual(
        replay,
        original.map((d) => ({ ...d, applied: false })),
      );
      assert.equal(await stockOf(m.db, "P3"), 1);
      const history = await m.db
        .selectFrom("order_status_history")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("order_id", "in", [first.orderId, second.orderId])
        .executeTakeFirstOrThrow();
      assert.equal(history.n, 4);
    });

    test("a record twice in one batch is decided once (the first occurrence wins)", async () => {
      await insertProducts(m.db, [product("P4", 10, 10)]);
      const o = order([{ sku: "P4", quantity: 3 }]);
      const decisions = await apply([o, { ...o }, { ...o, items: [{ sku: "P4", quantity: 9 }] }]);
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0]!.total, 30);
      assert.equal(await stockOf(m.db, "P4"), 7);
    });

    test("an empty batch does nothing", async () => {
      assert.deepEqual(await apply([]), []);
    });

    test("a transaction rolled back after applyOrders leaves no trace; the replay then applies", async () => {
      await insertProducts(m.db, [product("P5", 5, 10)]);
      const o = order([{ sku: "P5", quantity: 5 }]);
      await assert.rejects(
        withTransaction(m.db, async (trx) => {
          await applyOrders(trx, [o], new Date());
          throw new Error("crash before the checkpoint commits");
        }),
        /crash before the checkpoint/,
      );
      assert.equal(await stockOf(m.db, "P5"), 5);
      assert.equal(
        await m.db
          .selectFrom("orders")
          .select("order_id")
          .where("order_id", "=", o.orderId)
          .executeTakeFirst(),
        undefined,
      );
      const [decision] = await apply([o]);
      assert.equal(decision!.applied, true);
      assert.equal(await stockOf(m.db, "P5"), 0);
    });

    test("a total beyond 2^53 − 1 minor units is rejected as TOTAL_TOO_LARGE, not a batch failure", async () => {
      await insertProducts(m.db, [product("P6-HUGE", 1_000_000, 1_000_000_000_000)]);
      const huge = order(Array.from({ length: 10 }, () => ({ sku: "P6-HUGE", quantity: 1000 })));
      const [decision] = await apply([huge]);
      assert.equal(decision!.status, "REJECTED");
      assert.equal(decision!.reason, "TOTAL_TOO_LARGE");
      assert.equal(await stockOf(m.db, "P6-HUGE"), 1_000_000);
    });

    test("the database refuses negative stock even without applyOrders", async () => {
      await insertProducts(m.db, [product("P7", 1)]);
      await assert.rejects(
        m.db.updateTable("products").set({ stock: -1 }).where("sku", "=", "P7").execute(),
        /constraint/i,
      );
    });
  });
}
