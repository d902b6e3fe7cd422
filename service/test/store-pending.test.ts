/**
 * Table mode's queue on both engines: PENDING rows written idempotently (one order, or a batch in one
 * transaction), claimed oldest first with SKIP LOCKED so concurrent workers take disjoint batches, and
 * decided in place by applyOrders.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { classifyStorageError } from "../src/store/dialect/index.js";
import { SqlOrderStore } from "../src/store/order-store.js";
import { claimPendingOrders, insertPendingOrder, insertPendingOrders } from "../src/store/pending.js";
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

    /** Items (sku×quantity in line order) and history statuses of `orderId`, as stored. */
    const rowsOf = async (orderId: string) => {
      const items = await m.db
        .selectFrom("order_items")
        .select(["line_no", "sku", "quantity"])
        .where("order_id", "=", orderId)
        .orderBy("line_no")
        .execute();
      const history = await m.db
        .selectFrom("order_status_history")
        .select(["seq", "status"])
        .where("order_id", "=", orderId)
        .execute();
      return {
        items: items.map((i) => `${i.line_no}:${i.sku}x${i.quantity}`),
        history: history.map((h) => `${h.seq}:${h.status}`),
      };
    };

    test("a batch is written in one go; existing ids and repeats within it are skipped, the first stands", async () => {
      const stored = order([{ sku: "B1", quantity: 1 }]);
      assert.equal(await insertPendingOrder(m.db, stored), true);
      const a = order([
        { sku: "B2", quantity: 2 },
        { sku: "B3", quantity: 3 },
      ]);
      const b = order([{ sku: "B4", quantity: 4 }]);
      const fresh = await insertPendingOrders(m.db, [
        a,
        { ...stored, items: [{ sku: "B1-AGAIN", quantity: 9 }] },
        b,
        { ...a, orderId: a.orderId.toUpperCase(), items: [{ sku: "B2-LATER", quantity: 8 }] },
      ]);
      assert.deepEqual(fresh, new Set([a.orderId, b.orderId]));
      assert.deepEqual(await rowsOf(a.orderId), { items: ["1:B2x2", "2:B3x3"], history: ["1:PENDING"] });
      assert.deepEqual(await rowsOf(b.orderId), { items: ["1:B4x4"], history: ["1:PENDING"] });
      assert.deepEqual(await rowsOf(stored.orderId), { items: ["1:B1x1"], history: ["1:PENDING"] });
      const view = await store.getOrder(b.orderId);
      assert.equal(view?.status, "PENDING");
      assert.equal(view?.createdAt, b.acceptedAt);
      // The same batch again: nothing new, nothing doubled.
      assert.deepEqual(await insertPendingOrders(m.db, [a, b]), new Set());
      assert.deepEqual((await rowsOf(a.orderId)).items, ["1:B2x2", "2:B3x3"]);
      assert.deepEqual(await insertPendingOrders(m.db, []), new Set());
    });

    test("a batch is all or nothing: one value the columns cannot hold stores none of it", async () => {
      const good = order([{ sku: "B5", quantity: 1 }]);
      const tooLong = order([{ sku: "B5", quantity: 1 }], { customerId: "x".repeat(129) });
      const error = await insertPendingOrders(m.db, [good, tooLong]).then(
        () => assert.fail("a 129-character customer id fits a 128-character column"),
        (e: unknown) => e,
      );
      assert.equal(classifyStorageError(error) === "unstorable", true, `a data error: ${String(error)}`);
      assert.equal(await store.getOrder(good.orderId), undefined);
      assert.deepEqual(await rowsOf(good.orderId), { items: [], history: [] });
      // A sku longer than its column fails in the items insert, after the order rows: still nothing.
      const longSku = order([{ sku: "S".repeat(65), quantity: 1 }]);
      const itemError = await insertPendingOrders(m.db, [good, longSku]).then(
        () => assert.fail("a 65-character sku fits a 64-character column"),
        (e: unknown) => e,
      );
      assert.equal(classifyStorageError(itemError) === "unstorable", true, String(itemError));
      assert.equal(await store.getOrder(good.orderId), undefined);
      assert.equal(await store.getOrder(longSku.orderId), undefined);
      assert.equal(await insertPendingOrder(m.db, good), true);
    });

    test("a large batch (1,000 orders, up to 3 items each) is stored completely", async () => {
      const orders = Array.from({ length: 1_000 }, (_, n) =>
        order(Array.from({ length: 1 + (n % 3) }, (_, line) => ({ sku: `BL-${line}`, quantity: n + 1 }))),
      );
      const fresh = await insertPendingOrders(m.db, orders);
      assert.equal(fresh.size, 1_000);
      const ids = orders.map((o) => o.orderId);
      const counted = async (table: "orders" | "order_items" | "order_status_history") =>
        Number(
          (
            await m.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .where("order_id", "in", ids)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await counted("orders"), 1_000);
      assert.equal(
        await counted("order_items"),
        orders.reduce((sum, o) => sum + o.items.length, 0),
      );
      assert.equal(await counted("order_status_history"), 1_000);
      assert.deepEqual((await rowsOf(orders[5]!.orderId)).items, ["1:BL-0x6", "2:BL-1x6", "3:BL-2x6"]);
    });
  });
}

describe("classifyStorageError: unstorable", () => {
  test("data and constraint errors yes; transient, connection and other errors no", () => {
    assert.equal(classifyStorageError({ code: "22001" }) === "unstorable", true); // PostgreSQL string_data_right_truncation
    assert.equal(classifyStorageError({ code: "23502" }) === "unstorable", true); // PostgreSQL not_null_violation
    assert.equal(classifyStorageError({ errno: 1406, code: "ER_DATA_TOO_LONG" }) === "unstorable", true);
    assert.equal(classifyStorageError({ code: "40001" }) === "unstorable", false);
    assert.equal(classifyStorageError({ code: "40P01" }) === "unstorable", false);
    assert.equal(classifyStorageError({ errno: 1213, code: "ER_LOCK_DEADLOCK" }) === "unstorable", false);
    assert.equal(classifyStorageError({ code: "ECONNREFUSED" }) === "unstorable", false);
    assert.equal(classifyStorageError({ code: "08006" }) === "unstorable", false);
    assert.equal(classifyStorageError(new Error("boom")) === "unstorable", false);
    assert.equal(classifyStorageError(null) === "unstorable", false);
    assert.equal(classifyStorageError("22001") === "unstorable", false);
  });
});
