/**
 * Table mode's queue on both engines: PENDING rows written idempotently, claimed oldest first with
 * SKIP LOCKED so concurrent workers take disjoint batches, and decided in place by applyOrders.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SqlOrderStore } from "../src/store/order-store.js";
import { claimPendingOrders, insertPendingOrder } from "../src/store/pending.js";
import { applyOrders } from "../src/store/processing.js";
import { withTransaction } from "../src/store/transaction.js";
import {
  ENGINES,
  insertProducts,
  type MigratedDatabase,
  migratedDatabase,
  order,
  product,
  stockOf,
} from "./store-helpers.js";

for (const { engine, skip } of ENGINES) {
  describe(`table-mode queue on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    let store: SqlOrderStore;
    before(async () => {
      m = await migratedDatabase("pending", 10, engine);
      store = new SqlOrderStore(m.db);
    });
    after(async () => {
      await m?.close();
    });

    const drain = async () => {
      const decided = [];
      for (;;) {
        const batch = await withTransaction(m.db, async (trx) => {
          const claimed = await claimPendingOrders(trx, 50);
          return applyOrders(trx, claimed, new Date());
        });
        if (batch.length === 0) return decided;
        decided.push(...batch);
      }
    };

    test("an accepted order is stored PENDING with its items and first history entry, once", async () => {
      const acceptedAt = new Date("2026-08-01T00:00:00.123Z");
      const o = order(
        [
          { sku: "Q1", quantity: 2 },
          { sku: "Q2", quantity: 1 },
        ],
        { acceptedAt: acceptedAt.toISOString(), orderId: "AAAAAAAA-0000-4000-8000-000000000001" },
      );
      assert.equal(await insertPendingOrder(m.db, o), true);
      assert.equal(await insertPendingOrder(m.db, o), false);
      assert.equal(await insertPendingOrder(m.db, { ...o, orderId: o.orderId.toLowerCase() }), false);
      const view = await store.getOrder(o.orderId);
      assert.deepEqual(view, {
        orderId: o.orderId.toLowerCase(),
        customerId: o.customerId,
        status: "PENDING",
        currency: "EUR",
        items: [
          { sku: "Q1", quantity: 2, unitPrice: 0, lineTotal: 0 },
          { sku: "Q2", quantity: 1, unitPrice: 0, lineTotal: 0 },
        ],
        total: 0,
        createdAt: acceptedAt.toISOString(),
        updatedAt: acceptedAt.toISOString(),
        history: [{ status: "PENDING", at: acceptedAt.toISOString() }],
      });
      assert.equal(await store.pendingOrderCount(), 1);
    });

    test("claimed oldest first and decided in place; the queue then is empty", async () => {
      await insertProducts(m.db, [product("Q1", 3, 100), product("Q2", 10, 50)]);
      const base = Date.parse("2026-08-01T00:00:01.000Z");
      const later = [0, 1, 2].map((i) =>
        order([{ sku: "Q1", quantity: 1 }], { acceptedAt: new Date(base + i * 1000).toISOString() }),
      );
      for (const o of [...later].reverse()) await insertPendingOrder(m.db, o);
      const order1 = await withTransaction(m.db, (trx) => claimPendingOrders(trx, 10));
      assert.equal(order1.length, 4);
      assert.equal(order1[0]!.orderId, "aaaaaaaa-0000-4000-8000-000000000001");
      assert.deepEqual(
        order1.slice(1).map((o) => o.orderId),
        later.map((o) => o.orderId),
      );
      assert.deepEqual(order1[1]!.items, [{ sku: "Q1", quantity: 1 }]);
      const decided = await drain();
      // The first order takes 2 of 3 Q1, so one of the three later orders (1 each) is out of stock.
      assert.deepEqual(
        decided.map((d) => d.status),
        ["CONFIRMED", "CONFIRMED", "REJECTED", "REJECTED"],
      );
      assert.equal(decided[0]!.total, 250);
      assert.equal(await stockOf(m.db, "Q1"), 0);
      assert.equal(await stockOf(m.db, "Q2"), 9);
      assert.equal(await store.pendingOrderCount(), 0);
      const view = await store.getOrder(decided[0]!.orderId);
      assert.deepEqual(
        view?.history.map((h) => h.status),
        ["PENDING", "CONFIRMED"],
      );
      assert.deepEqual(view?.items[0], { sku: "Q1", quantity: 2, unitPrice: 100, lineTotal: 200 });
    });

    test("concurrent workers claim disjoint batches and never oversell", async () => {
      await insertProducts(m.db, [product("Q3", 40, 1)]);
      const orders = Array.from({ length: 60 }, () => order([{ sku: "Q3", quantity: 1 }]));
      for (const o of orders) await insertPendingOrder(m.db, o);
      let releaseA!: () => void;
      const held = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let claimedA!: (ids: string[]) => void;
      const aClaimed = new Promise<string[]>((resolve) => {
        claimedA = resolve;
      });
      const workerA = withTransaction(m.db, async (trx) => {
        const claimed = await claimPendingOrders(trx, 25);
        claimedA(claimed.map((o) => o.orderId));
        await held;
        return applyOrders(trx, claimed, new Date());
      });
      const idsA = await aClaimed;
      // B does not wait for A's locked rows: it skips them and takes the next ones.
      const idsB = await withTransaction(m.db, async (trx) => {
        const claimed = await claimPendingOrders(trx, 25);
        await applyOrders(trx, claimed, new Date());
        return claimed.map((o) => o.orderId);
      });
      releaseA();
      await workerA;
      assert.equal(idsA.length, 25);
      assert.equal(idsB.length, 25);
      assert.equal(new Set([...idsA, ...idsB]).size, 50);
      await drain();
      assert.equal(await store.pendingOrderCount(), 0);
      assert.equal(await stockOf(m.db, "Q3"), 0);
      const confirmed = await m.db
        .selectFrom("orders")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "CONFIRMED")
        .where(
          "order_id",
          "in",
          orders.map((o) => o.orderId),
        )
        .executeTakeFirstOrThrow();
      assert.equal(Number(confirmed.n), 40);
    });
  });
}
