/**
 * applyOrders against real PostgreSQL: concurrent batches never overselling, a PENDING row (table
 * mode) decided in place, and inputs that must not fail a batch.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { applyOrders } from "../src/store/processing.js";
import { withTransaction } from "../src/store/transaction.js";
import {
  ENGINES,
  insertProducts,
  lockWaits,
  migratedDatabase,
  order,
  product,
  stockOf,
} from "./store-helpers.js";
import { perSuite } from "./support/per-suite.js";

for (const { engine, skip } of ENGINES) {
  describe(`applyOrders on ${engine}: concurrency and PENDING rows`, { skip }, () => {
    const m = perSuite(() => migratedDatabase("processing_conc", 12, engine));

    const apply = (orders: Parameters<typeof applyOrders>[1], now = new Date()) =>
      withTransaction(m.db, (trx) => applyOrders(trx, orders, now));

    test("two concurrent batches on the same SKUs never oversell", async () => {
      const skus = ["P8-A", "P8-B", "P8-C"];
      await insertProducts(
        m.db,
        skus.map((sku) => product(sku, 100, 7)),
      );
      // Each order takes one unit of every sku, listed in a different order per batch.
      const batchA = Array.from({ length: 80 }, () => order(skus.map((sku) => ({ sku, quantity: 1 }))));
      const batchB = Array.from({ length: 80 }, () =>
        order([...skus].reverse().map((sku) => ({ sku, quantity: 1 }))),
      );
      // Hold A's transaction open after it has locked and written, so B really waits on A's locks.
      let releaseA!: () => void;
      const aHolds = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let aApplied!: () => void;
      const aDone = new Promise<void>((resolve) => {
        aApplied = resolve;
      });
      const runA = withTransaction(m.db, async (trx) => {
        const decisions = await applyOrders(trx, batchA, new Date());
        aApplied();
        await aHolds;
        return decisions;
      });
      await aDone;
      const runB = apply(batchB);
      // B must end up blocked on the product locks A holds (polled: the machine may be loaded).
      let waiting = 0;
      for (let tries = 0; waiting === 0 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        waiting = await lockWaits(m.db, engine);
      }
      assert.equal(waiting, 1, "batch B waits for batch A's row locks");
      let bSettled = false;
      const settle = () => {
        bSettled = true;
      };
      runB.then(settle, settle);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(bSettled, false, "batch B cannot finish while A holds the locks");
      releaseA();
      const [decisionsA, decisionsB] = await Promise.all([runA, runB]);
      const confirmed = [...decisionsA, ...decisionsB].filter((d) => d.status === "CONFIRMED").length;
      assert.equal(decisionsA.filter((d) => d.status === "CONFIRMED").length, 80);
      assert.equal(confirmed, 100);
      for (const d of decisionsB.filter((x) => x.status === "REJECTED"))
        assert.equal(d.reason, "OUT_OF_STOCK");
      for (const sku of skus) assert.equal(await stockOf(m.db, sku), 0);
    });

    test("many parallel batches with random quantities: stock = initial − Σ confirmed, never negative", async () => {
      const skus = ["P9-A", "P9-B", "P9-C", "P9-D"];
      await insertProducts(
        m.db,
        skus.map((sku) => product(sku, 300, 3)),
      );
      let seed = 42;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const batches = Array.from({ length: 6 }, () =>
        Array.from({ length: 50 }, () =>
          order(
            Array.from({ length: 1 + random(3) }, () => ({
              sku: skus[random(skus.length)]!,
              quantity: 1 + random(9),
            })),
          ),
        ),
      );
      const results = await Promise.all(batches.map((batch) => apply(batch)));
      const reserved = new Map<string, number>();
      results.forEach((decisions, b) => {
        decisions.forEach((d, i) => {
          if (d.status !== "CONFIRMED") return;
          for (const item of batches[b]![i]!.items)
            reserved.set(item.sku, (reserved.get(item.sku) ?? 0) + item.quantity);
        });
      });
      for (const sku of skus) {
        const stock = await stockOf(m.db, sku);
        assert.ok(stock >= 0);
        assert.equal(stock, 300 - (reserved.get(sku) ?? 0), `stock of ${sku}`);
      }
      assert.ok(
        results.flat().some((d) => d.status === "REJECTED"),
        "the load exceeded the stock",
      );
    });

    test("a PENDING row written by the API (table mode) is decided in place", async () => {
      await insertProducts(m.db, [product("P10", 2, 500)]);
      const acceptedAt = new Date("2026-03-01T10:00:00.000Z");
      const pending = order([{ sku: "P10", quantity: 2 }], { acceptedAt: acceptedAt.toISOString() });
      const tooLate = order([{ sku: "P10", quantity: 1 }], { acceptedAt: acceptedAt.toISOString() });
      for (const o of [pending, tooLate]) {
        await m.db
          .insertInto("orders")
          .values({
            order_id: o.orderId,
            customer_id: o.customerId,
            currency: o.currency,
            status: "PENDING",
            rejection_reason: null,
            total: 0,
            accepted_at: acceptedAt,
            created_at: acceptedAt,
            updated_at: acceptedAt,
          })
          .execute();
        await m.db
          .insertInto("order_items")
          .values(
            o.items.map((item, i) => ({
              order_id: o.orderId,
              line_no: i + 1,
              sku: item.sku,
              quantity: item.quantity,
              unit_price: 0,
              line_total: 0,
            })),
          )
          .execute();
        await m.db
          .insertInto("order_status_history")
          .values({ order_id: o.orderId, seq: 1, status: "PENDING", reason: null, at: acceptedAt })
          .execute();
      }
      const now = new Date("2026-03-01T10:00:01.000Z");
      const decisions = await apply([pending, tooLate], now);
      assert.deepEqual(
        decisions.map((d) => [d.status, d.reason, d.total, d.applied]),
        [
          ["CONFIRMED", undefined, 1000, true],
          ["REJECTED", "OUT_OF_STOCK", 0, true],
        ],
      );
      assert.equal(await stockOf(m.db, "P10"), 0);
      const row = await m.db
        .selectFrom("orders")
        .selectAll()
        .where("order_id", "=", pending.orderId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "CONFIRMED");
      assert.equal(row.total, 1000);
      assert.equal(row.updated_at.toISOString(), now.toISOString());
      const items = await m.db
        .selectFrom("order_items")
        .selectAll()
        .where("order_id", "=", pending.orderId)
        .execute();
      assert.deepEqual(
        items.map((i) => [i.line_no, i.sku, i.quantity, i.unit_price, i.line_total]),
        [[1, "P10", 2, 500, 1000]],
      );
      const history = await m.db
        .selectFrom("order_status_history")
        .select(["seq", "status", "at"])
        .where("order_id", "=", tooLate.orderId)
        .orderBy("seq")
        .execute();
      assert.deepEqual(history, [
        { seq: 1, status: "PENDING", at: acceptedAt },
        { seq: 2, status: "REJECTED", at: now },
      ]);
      const again = await apply([pending, tooLate]);
      assert.deepEqual(
        again.map((d) => [d.status, d.applied, d.decidedAt]),
        [
          ["CONFIRMED", false, now.toISOString()],
          ["REJECTED", false, now.toISOString()],
        ],
      );
      assert.equal(await stockOf(m.db, "P10"), 0);
    });

    test("an acceptedAt that is not a time falls back to the decision time instead of failing the batch", async () => {
      await insertProducts(m.db, [product("P12", 5)]);
      const now = new Date("2026-03-02T00:00:00.000Z");
      const bad = order([{ sku: "P12", quantity: 1 }], { acceptedAt: "yesterday-ish" });
      const good = order([{ sku: "P12", quantity: 1 }]);
      const decisions = await apply([bad, good], now);
      assert.deepEqual(
        decisions.map((d) => d.status),
        ["CONFIRMED", "CONFIRMED"],
      );
      const row = await m.db
        .selectFrom("orders")
        .select("accepted_at")
        .where("order_id", "=", bad.orderId)
        .executeTakeFirstOrThrow();
      assert.equal(row.accepted_at.toISOString(), now.toISOString());
    });

    test("an order id differing only in letter case is the same order", async () => {
      await insertProducts(m.db, [product("P11", 5)]);
      const id = randomUUID();
      await apply([order([{ sku: "P11", quantity: 1 }], { orderId: id })]);
      const [replay] = await apply([order([{ sku: "P11", quantity: 1 }], { orderId: id.toUpperCase() })]);
      assert.equal(replay!.applied, false);
      assert.equal(await stockOf(m.db, "P11"), 4);
    });
  });
}
