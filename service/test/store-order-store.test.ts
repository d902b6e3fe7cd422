/**
 * SqlOrderStore against real PostgreSQL: order views, keyset pagination, cancellation (stock released
 * exactly once, also under concurrency), the catalog, stored idempotent responses and readiness.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { InvalidCursorError } from "../src/store/cursor.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { createOrderStore, pendingOrderCount, SqlOrderStore } from "../src/store/order-store.js";
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
  describe(`SqlOrderStore on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    let store: SqlOrderStore;
    before(async () => {
      m = await migratedDatabase("order_store", 10, engine);
      store = new SqlOrderStore(m.db);
    });
    after(async () => {
      await store?.close();
      await m?.close();
    });

    const apply = (orders: Parameters<typeof applyOrders>[1], now = new Date()) =>
      withTransaction(m.db, (trx) => applyOrders(trx, orders, now));

    describe("getOrder", () => {
      test("returns the order with priced items, total and history", async () => {
        await insertProducts(m.db, [product("G1", 10, 125)]);
        const acceptedAt = new Date("2026-04-01T12:00:00.000Z");
        const decidedAt = new Date("2026-04-01T12:00:00.250Z");
        const o = order([{ sku: "G1", quantity: 2 }], {
          acceptedAt: acceptedAt.toISOString(),
          customerId: "cust-g",
        });
        await apply([o], decidedAt);
        assert.deepEqual(await store.getOrder(o.orderId), {
          orderId: o.orderId,
          customerId: "cust-g",
          status: "CONFIRMED",
          currency: "EUR",
          items: [{ sku: "G1", quantity: 2, unitPrice: 125, lineTotal: 250 }],
          total: 250,
          createdAt: acceptedAt.toISOString(),
          updatedAt: decidedAt.toISOString(),
          history: [
            { status: "PENDING", at: acceptedAt.toISOString() },
            { status: "CONFIRMED", at: decidedAt.toISOString() },
          ],
        });
        assert.equal((await store.getOrder(o.orderId.toUpperCase()))?.orderId, o.orderId);
      });

      test("shows the rejection reason on the order and in its history", async () => {
        const o = order([{ sku: "G-MISSING", quantity: 1 }]);
        await apply([o]);
        const view = await store.getOrder(o.orderId);
        assert.equal(view?.status, "REJECTED");
        assert.equal(view?.rejectionReason, "UNKNOWN_SKU");
        assert.equal(view?.history[1]?.reason, "UNKNOWN_SKU");
      });

      test("an unknown or malformed id is undefined, not an error", async () => {
        assert.equal(await store.getOrder(randomUUID()), undefined);
        assert.equal(await store.getOrder("not-a-uuid"), undefined);
        assert.equal(await store.getOrder("'; drop table orders; --"), undefined);
      });
    });

    describe("listOrders", () => {
      const customer = `cust-list-${randomUUID()}`;
      const ids: string[] = [];
      before(async () => {
        await insertProducts(m.db, [product("L1", 1000, 10)]);
        // 25 orders over 5 distinct timestamps: ties on created_at must still page deterministically.
        const base = Date.parse("2026-05-01T00:00:00.000Z");
        const orders = Array.from({ length: 25 }, (_, i) =>
          order([{ sku: i % 5 === 0 ? "L-MISSING" : "L1", quantity: 1 }], {
            customerId: customer,
            acceptedAt: new Date(base + Math.floor(i / 5) * 1000).toISOString(),
          }),
        );
        await apply(orders);
        await apply([order([{ sku: "L1", quantity: 1 }], { customerId: "someone-else" })]);
        ids.push(
          ...orders
            .sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt) || a.orderId.localeCompare(b.orderId))
            .map((o) => o.orderId),
        );
      });

      test("pages through a customer's orders newest first, each exactly once", async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listOrders({ customerId: customer, limit: 10, cursor });
          pages += 1;
          seen.push(...page.orders.map((o) => o.orderId));
          for (const o of page.orders) {
            assert.equal(o.customerId, customer);
            assert.equal(o.items.length, 1);
            assert.equal(o.history.length, 2);
          }
          cursor = page.nextCursor;
        } while (cursor);
        assert.equal(pages, 3);
        assert.deepEqual(seen, ids);
      });

      test("a page that ends exactly at the last order has no next cursor", async () => {
        const page = await store.listOrders({ customerId: customer, limit: 25 });
        assert.equal(page.orders.length, 25);
        assert.equal(page.nextCursor, undefined);
      });

      test("filters by status", async () => {
        const rejected = await store.listOrders({ customerId: customer, status: "REJECTED", limit: 100 });
        assert.equal(rejected.orders.length, 5);
        for (const o of rejected.orders) assert.equal(o.rejectionReason, "UNKNOWN_SKU");
        const all = await store.listOrders({ status: "CONFIRMED", limit: 100 });
        assert.ok(all.orders.some((o) => o.customerId === "someone-else"));
      });

      test("clamps the limit to 1–100", async () => {
        assert.equal((await store.listOrders({ customerId: customer, limit: 0 })).orders.length, 1);
        assert.equal((await store.listOrders({ customerId: customer, limit: 1000 })).orders.length, 25);
      });

      test("refuses a cursor it did not issue", async () => {
        for (const cursor of [
          "garbage",
          Buffer.from('["x","y"]').toString("base64url"),
          Buffer.from("{}").toString("base64url"),
        ]) {
          await assert.rejects(
            store.listOrders({ customerId: customer, limit: 10, cursor }),
            InvalidCursorError,
          );
        }
      });
    });

    describe("cancelOrder", () => {
      test("cancels a confirmed order, releases its stock exactly once and records the change", async () => {
        await insertProducts(m.db, [product("C1", 10, 5), product("C2", 10, 7)]);
        const o = order([
          { sku: "C1", quantity: 2 },
          { sku: "C2", quantity: 3 },
          { sku: "C1", quantity: 1 },
        ]);
        await apply([o]);
        assert.equal(await stockOf(m.db, "C1"), 7);
        const at = new Date("2026-06-01T00:00:00.000Z");
        const result = await store.cancelOrder(o.orderId, at);
        assert.equal(result.kind, "cancelled");
        if (result.kind !== "cancelled") return;
        assert.equal(result.order.status, "CANCELLED");
        assert.equal(result.order.updatedAt, at.toISOString());
        assert.deepEqual(
          result.order.history.map((h) => h.status),
          ["PENDING", "CONFIRMED", "CANCELLED"],
        );
        assert.equal(await stockOf(m.db, "C1"), 10);
        assert.equal(await stockOf(m.db, "C2"), 10);
        assert.deepEqual(await store.cancelOrder(o.orderId, new Date()), {
          kind: "invalid_state",
          status: "CANCELLED",
        });
        assert.equal(await stockOf(m.db, "C1"), 10);
      });

      test("a rejected order cannot be cancelled; an unknown one is not found", async () => {
        const o = order([{ sku: "C-MISSING", quantity: 1 }]);
        await apply([o]);
        assert.deepEqual(await store.cancelOrder(o.orderId, new Date()), {
          kind: "invalid_state",
          status: "REJECTED",
        });
        assert.deepEqual(await store.cancelOrder(randomUUID(), new Date()), { kind: "not_found" });
        assert.deepEqual(await store.cancelOrder("nope", new Date()), { kind: "not_found" });
      });

      test("concurrent cancellations of one order release the stock once", async () => {
        await insertProducts(m.db, [product("C3", 4, 1)]);
        const o = order([{ sku: "C3", quantity: 4 }]);
        await apply([o]);
        const results = await Promise.all(
          Array.from({ length: 5 }, () => store.cancelOrder(o.orderId, new Date())),
        );
        assert.equal(results.filter((r) => r.kind === "cancelled").length, 1);
        assert.equal(results.filter((r) => r.kind === "invalid_state").length, 4);
        assert.equal(await stockOf(m.db, "C3"), 4);
      });

      test("cancellations and batches on the same SKUs run concurrently without deadlock or oversell", async () => {
        await insertProducts(m.db, [product("C4-A", 20, 1), product("C4-B", 20, 1)]);
        const first = Array.from({ length: 10 }, () =>
          order([
            { sku: "C4-A", quantity: 2 },
            { sku: "C4-B", quantity: 2 },
          ]),
        );
        await apply(first);
        const more = Array.from({ length: 10 }, () =>
          order([
            { sku: "C4-B", quantity: 2 },
            { sku: "C4-A", quantity: 2 },
          ]),
        );
        const [decisions, ...cancels] = await Promise.all([
          apply(more),
          ...first.map((o) => store.cancelOrder(o.orderId, new Date())),
        ]);
        assert.ok(cancels.every((c) => c.kind === "cancelled"));
        const confirmed = decisions.filter((d) => d.status === "CONFIRMED").length;
        assert.equal(await stockOf(m.db, "C4-A"), 20 - 2 * confirmed);
        assert.equal(await stockOf(m.db, "C4-B"), 20 - 2 * confirmed);
      });
    });

    describe("catalog", () => {
      test("putProduct creates, then replaces; getProduct reads it back", async () => {
        const p = { sku: "CAT-1", name: "Mug", unitPrice: 1299, currency: "EUR", stock: 3 };
        assert.deepEqual(await store.putProduct(p), p);
        assert.deepEqual(await store.getProduct("CAT-1"), p);
        const changed = { ...p, name: "Big mug", unitPrice: 1599, currency: "USD", stock: 0 };
        await store.putProduct(changed);
        assert.deepEqual(await store.getProduct("CAT-1"), changed);
        assert.equal(await store.getProduct("CAT-NONE"), undefined);
      });

      test("the database refuses a negative stock or price", async () => {
        await assert.rejects(
          store.putProduct({ sku: "CAT-2", name: "x", unitPrice: 1, currency: "EUR", stock: -1 }),
        );
        await assert.rejects(
          store.putProduct({ sku: "CAT-2", name: "x", unitPrice: -1, currency: "EUR", stock: 1 }),
        );
      });
    });

    describe("idempotency records", () => {
      const record = {
        requestHash: "a".repeat(64),
        statusCode: 202,
        body: { orderId: "x", status: "PENDING", nested: [1, "two", null] },
        headers: { location: "/orders/x" },
      };

      test("round-trips a stored response", async () => {
        assert.equal(await store.getIdempotency("cust-1", "key-1"), undefined);
        assert.equal(await store.putIdempotency("cust-1", "key-1", record), true);
        assert.deepEqual(await store.getIdempotency("cust-1", "key-1"), record);
      });

      test("a second put of the same (scope, key) returns false and keeps the first", async () => {
        assert.equal(await store.putIdempotency("cust-2", "key", record), true);
        assert.equal(
          await store.putIdempotency("cust-2", "key", { ...record, requestHash: "b".repeat(64) }),
          false,
        );
        assert.equal((await store.getIdempotency("cust-2", "key"))?.requestHash, "a".repeat(64));
        // Another scope with the same key is another record.
        assert.equal(await store.putIdempotency("cust-3", "key", record), true);
      });

      test("concurrent puts of one key: exactly one wins", async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.putIdempotency("cust-4", "race", record)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });

      test("purgeIdempotency removes records older than the cut-off", async () => {
        await store.putIdempotency("cust-5", "old", record);
        assert.ok((await store.purgeIdempotency(new Date(Date.now() + 60_000))) >= 1);
        assert.equal(await store.getIdempotency("cust-5", "old"), undefined);
      });
    });

    describe("operations", () => {
      test("pendingOrderCount counts PENDING rows", async () => {
        const before = await pendingOrderCount(m.db);
        const now = new Date();
        await m.db
          .insertInto("orders")
          .values({
            order_id: randomUUID(),
            customer_id: "c",
            currency: "EUR",
            status: "PENDING",
            rejection_reason: null,
            total: 0,
            accepted_at: now,
            created_at: now,
            updated_at: now,
          })
          .execute();
        assert.equal(await pendingOrderCount(m.db), before + 1);
        assert.equal(await store.pendingOrderCount(), before + 1);
      });

      test("checkReady passes against a live database and names the database when it is down", async () => {
        await store.checkReady();
        const dead = new SqlOrderStore(
          createDatabase(databaseConfigFromUrl("postgres://postgres@127.0.0.1:1/nothing")),
          { ownsConnections: true },
        );
        await assert.rejects(dead.checkReady(), /database \(postgres\) unreachable/);
        await dead.close();
      });

      test("createOrderStore owns its pools and closes them", async () => {
        const own = createOrderStore(databaseConfigFromUrl(m.url));
        assert.equal(own.engine, engine);
        await own.checkReady();
        await own.close();
        await assert.rejects(own.checkReady());
      });
    });
  });
}
