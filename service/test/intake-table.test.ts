/**
 * TableOrderIntake: what the API relies on when it answers 202 in table mode — the order is committed
 * (another connection sees it) when submit resolves, a repeated order id is a no-op that resolves, and
 * an unreachable database is an error (503), never a silent loss. Group commit: many submissions share
 * one transaction, a failed transaction fails only its own batch, transient failures are retried, a
 * full queue refuses, close() writes what is queued. PostgreSQL always; MariaDB/MySQL when MYSQL_URL
 * is set. Failures are real: triggers that refuse marked rows, values the columns cannot hold.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TableOrderIntake } from "../src/modes/table/table-intake.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import { IntakeUnavailableError } from "../src/pipeline/micro-batcher.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { SqlOrderStore } from "../src/store/order-store.js";
import { ENGINES, type MigratedDatabase, migratedDatabase, order } from "./store-helpers.js";
import {
  createRefusingTrigger,
  createTransientFailureTrigger,
  dropRefusingTrigger,
  dropTransientFailureTrigger,
  remainingFailures,
  setRemainingFailures,
} from "./support/table-triggers.js";

/** Settles every promise and reports which were rejected and with what. */
async function outcomes(promises: Promise<void>[]): Promise<("ok" | Error)[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as Error)));
}

for (const { engine, skip } of ENGINES) {
  describe(`TableOrderIntake on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    let intake: TableOrderIntake;
    before(async () => {
      m = await migratedDatabase("tintake", 10, engine);
      intake = new TableOrderIntake(m.db);
    });
    after(async () => {
      await m?.close();
    });

    test("submit commits a PENDING order with its items before it resolves", async () => {
      assert.equal(intake.mode, "table");
      const o = order([
        { sku: "TI-A", quantity: 2 },
        { sku: "TI-B", quantity: 5 },
      ]);
      await intake.submit(o);
      // A different pool = a different session: it only sees committed rows.
      const other = createDatabase(databaseConfigFromUrl(m.url, 1));
      try {
        const view = await new SqlOrderStore(other).getOrder(o.orderId);
        assert.equal(view?.status, "PENDING");
        assert.deepEqual(
          view?.items.map((i) => [i.sku, i.quantity]),
          [
            ["TI-A", 2],
            ["TI-B", 5],
          ],
        );
        assert.deepEqual(
          view?.history.map((h) => h.status),
          ["PENDING"],
        );
      } finally {
        await other.destroy();
      }
    });

    test("the same order id twice (in turn, racing, other letter case) is one order and resolves", async () => {
      const o = order([{ sku: "TI-C", quantity: 1 }]);
      await intake.submit(o);
      await intake.submit(o);
      await Promise.all([
        intake.submit(o),
        intake.submit({ ...o, orderId: o.orderId.toUpperCase() }),
        intake.submit({ ...o, items: [{ sku: "TI-OTHER", quantity: 9 }] }), // the first submission stands
      ]);
      const rows = await m.db
        .selectFrom("orders")
        .select("order_id")
        .where("order_id", "=", o.orderId)
        .execute();
      assert.equal(rows.length, 1);
      const items = await m.db
        .selectFrom("order_items")
        .select(["sku", "quantity"])
        .where("order_id", "=", o.orderId)
        .execute();
      assert.deepEqual(items, [{ sku: "TI-C", quantity: 1 }]);
      const history = await m.db
        .selectFrom("order_status_history")
        .select("status")
        .where("order_id", "=", o.orderId)
        .execute();
      assert.equal(history.length, 1);
    });

    /** Stored rows of `ids`: order count, items per order as sku×quantity, history entries per order. */
    const stored = async (ids: string[]) => {
      const orders = await m.db
        .selectFrom("orders")
        .select("order_id")
        .where("order_id", "in", ids)
        .execute();
      const items = await m.db
        .selectFrom("order_items")
        .select(["order_id", "sku", "quantity"])
        .where("order_id", "in", ids)
        .orderBy("order_id")
        .orderBy("line_no")
        .execute();
      const history = await m.db
        .selectFrom("order_status_history")
        .select(["order_id", "status"])
        .where("order_id", "in", ids)
        .execute();
      const itemsOf = new Map<string, string[]>();
      for (const i of items)
        itemsOf.set(i.order_id, [...(itemsOf.get(i.order_id) ?? []), `${i.sku}x${i.quantity}`]);
      return { orders: orders.length, itemsOf, history: history.map((h) => h.order_id) };
    };
    const itemsText = (o: AcceptedOrder) => o.items.map((i) => `${i.sku}x${i.quantity}`);

    test("500 concurrent submits share a few transactions; every order is stored once with its items", async () => {
      const grouped = new TableOrderIntake(m.db, { maxBatchOrders: 200, lingerMs: 5 });
      const orders = Array.from({ length: 500 }, (_, n) =>
        order(
          Array.from({ length: 1 + (n % 3) }, (_, line) => ({ sku: `GC-${n}-${line}`, quantity: 1 + line })),
        ),
      );
      const results = await outcomes(orders.map((o) => grouped.submit(o)));
      assert.deepEqual(new Set(results), new Set(["ok"]));
      // 200 + 200 + 100: a full batch goes at once, the remainder after the linger.
      assert.equal(grouped.flushes, 3, `transactions: ${grouped.flushes}`);
      assert.equal(grouped.pendingCount, 0);
      const ids = orders.map((o) => o.orderId);
      const rows = await stored(ids);
      assert.equal(rows.orders, 500);
      assert.equal(rows.history.length, 500);
      assert.equal(new Set(rows.history).size, 500);
      for (const o of orders) assert.deepEqual(rows.itemsOf.get(o.orderId), itemsText(o), o.orderId);
      await grouped.close();
    });

    test("submit resolves only after its batch committed: another session sees every resolved order", async () => {
      const grouped = new TableOrderIntake(m.db, { maxBatchOrders: 50, lingerMs: 2 });
      const other = createDatabase(databaseConfigFromUrl(m.url, 1));
      try {
        const orders = Array.from({ length: 120 }, () => order([{ sku: "GC-SEEN", quantity: 1 }]));
        const seen = await Promise.all(
          orders.map(async (o) => {
            await grouped.submit(o);
            const row = await other
              .selectFrom("orders")
              .select("status")
              .where("order_id", "=", o.orderId)
              .executeTakeFirst();
            return row?.status;
          }),
        );
        assert.deepEqual(new Set(seen), new Set(["PENDING"]));
      } finally {
        await other.destroy();
        await grouped.close();
      }
    });

    test("duplicates within a batch keep the first; duplicates of stored orders write nothing", async () => {
      const grouped = new TableOrderIntake(m.db, { maxBatchOrders: 100, lingerMs: 5 });
      const stored1 = order([{ sku: "GD-1", quantity: 1 }]);
      await grouped.submit(stored1);
      const fresh = order([{ sku: "GD-2", quantity: 2 }]);
      const before = grouped.flushes;
      const results = await outcomes([
        grouped.submit({ ...stored1, items: [{ sku: "GD-1-AGAIN", quantity: 7 }] }),
        grouped.submit(fresh),
        grouped.submit({
          ...fresh,
          orderId: fresh.orderId.toUpperCase(),
          items: [{ sku: "GD-2-LATER", quantity: 9 }],
        }),
        grouped.submit({ ...fresh, items: [{ sku: "GD-2-LATEST", quantity: 3 }] }),
      ]);
      assert.deepEqual(results, ["ok", "ok", "ok", "ok"]);
      assert.equal(grouped.flushes - before, 1, "the four submissions were one transaction");
      const rows = await stored([stored1.orderId, fresh.orderId]);
      assert.equal(rows.orders, 2);
      assert.deepEqual(rows.itemsOf.get(stored1.orderId), ["GD-1x1"]);
      assert.deepEqual(rows.itemsOf.get(fresh.orderId), ["GD-2x2"]);
      assert.equal(rows.history.length, 2);
      await grouped.close();
    });

    test("the same new order in concurrent batches (racing transactions) is stored once", async () => {
      // Batches of one, four in flight: four transactions insert the same id at the same time.
      const racing = new TableOrderIntake(m.db, { maxBatchOrders: 1, maxInFlight: 4, lingerMs: 0 });
      for (let round = 0; round < 5; round++) {
        const o = order([
          { sku: "GR-1", quantity: 1 },
          { sku: "GR-2", quantity: 2 },
        ]);
        const results = await outcomes([0, 1, 2, 3].map(() => racing.submit(o)));
        assert.deepEqual(results, ["ok", "ok", "ok", "ok"]);
        const rows = await stored([o.orderId]);
        assert.equal(rows.orders, 1);
        assert.deepEqual(rows.itemsOf.get(o.orderId), ["GR-1x1", "GR-2x2"]);
        assert.equal(rows.history.length, 1);
      }
      await racing.close();
    });

    test("a failed transaction rejects only its batch's submits; later submits succeed", async () => {
      await createRefusingTrigger(m, "tx-fail");
      try {
        const grouped = new TableOrderIntake(m.db, { maxBatchOrders: 3, lingerMs: 5, maxInFlight: 1 });
        const batch1 = [
          order([{ sku: "GF-1", quantity: 1 }]),
          order([{ sku: "GF-2", quantity: 1 }], { customerId: "tx-fail" }),
          order([{ sku: "GF-3", quantity: 1 }]),
        ];
        const batch2 = [0, 1, 2].map(() => order([{ sku: "GF-4", quantity: 1 }]));
        const results = await outcomes([...batch1, ...batch2].map((o) => grouped.submit(o)));
        for (const result of results.slice(0, 3)) {
          assert.ok(result instanceof IntakeUnavailableError, String(result));
          assert.match(result.message, /did not store the order: .*refused by test trigger/);
          assert.ok(result.cause, "the database error is kept as the cause");
        }
        assert.deepEqual(results.slice(3), ["ok", "ok", "ok"]);
        // All or nothing: the refused batch left no trace, not even its valid orders.
        assert.equal((await stored(batch1.map((o) => o.orderId))).orders, 0);
        assert.equal((await stored(batch2.map((o) => o.orderId))).orders, 3);
        const later = order([{ sku: "GF-5", quantity: 1 }]);
        await grouped.submit(later);
        assert.equal((await stored([later.orderId])).orders, 1);
        assert.equal(grouped.pendingCount, 0);
        await grouped.close();
      } finally {
        await dropRefusingTrigger(m);
      }
    });

    test("an order whose values the database refuses fails alone; its batch-mates are stored", async () => {
      const grouped = new TableOrderIntake(m.db, { maxBatchOrders: 10, lingerMs: 5 });
      const good = Array.from({ length: 7 }, () => order([{ sku: "GP-1", quantity: 1 }]));
      const poison = order([{ sku: "GP-1", quantity: 1 }], { customerId: "c".repeat(200) }); // column holds 128
      const all = [...good.slice(0, 3), poison, ...good.slice(3)];
      const results = await outcomes(all.map((o) => grouped.submit(o)));
      assert.ok(results[3] instanceof IntakeUnavailableError, String(results[3]));
      assert.deepEqual([...results.slice(0, 3), ...results.slice(4)], Array(7).fill("ok"));
      const rows = await stored(good.map((o) => o.orderId));
      assert.equal(rows.orders, 7);
      assert.equal(rows.history.length, 7);
      assert.equal((await stored([poison.orderId])).orders, 0);
      await grouped.close();
    });

    test("a deadlock or serialization failure is retried; past maxAttempts the batch is rejected", async () => {
      await createTransientFailureTrigger(m, "tx-retry", 2);
      try {
        const retrying = new TableOrderIntake(m.db, { maxAttempts: 4, backoffBaseMs: 1, lingerMs: 1 });
        const o = order([{ sku: "GT-1", quantity: 1 }], { customerId: "tx-retry" });
        const mate = order([{ sku: "GT-2", quantity: 1 }]);
        assert.deepEqual(await outcomes([retrying.submit(o), retrying.submit(mate)]), ["ok", "ok"]);
        assert.equal(await remainingFailures(m), -1, "failed twice, then committed on the third attempt");
        assert.equal((await stored([o.orderId, mate.orderId])).orders, 2);
        assert.equal(retrying.flushes, 1);

        await setRemainingFailures(m, 100);
        const doomed = order([{ sku: "GT-3", quantity: 1 }], { customerId: "tx-retry" });
        const [result] = await outcomes([retrying.submit(doomed)]);
        assert.ok(result instanceof IntakeUnavailableError, String(result));
        assert.equal(await remainingFailures(m), 96, "exactly maxAttempts = 4 transactions");
        assert.equal((await stored([doomed.orderId])).orders, 0);
        await retrying.close();
      } finally {
        await dropTransientFailureTrigger(m);
      }
    });

    test("a full queue refuses at once with IntakeUnavailableError; what it holds is still stored", async () => {
      // The fifth submission fills a batch, which is written at once; until it commits, all five count.
      const bounded = new TableOrderIntake(m.db, { maxQueued: 5, maxBatchOrders: 5, lingerMs: 10_000 });
      const held = Array.from({ length: 5 }, () => order([{ sku: "GQ-1", quantity: 1 }]));
      const accepted = held.map((o) => bounded.submit(o));
      assert.equal(bounded.pendingCount, 5);
      await assert.rejects(bounded.submit(order([{ sku: "GQ-2", quantity: 1 }])), (error: Error) => {
        assert.ok(error instanceof IntakeUnavailableError);
        assert.match(error.message, /saturated \(5 orders waiting/);
        return true;
      });
      assert.deepEqual(await outcomes(accepted), Array(5).fill("ok"));
      assert.equal((await stored(held.map((o) => o.orderId))).orders, 5);
      await bounded.close();
    });

    test("close() writes what is queued without waiting out the linger, then refuses new orders", async () => {
      const lingering = new TableOrderIntake(m.db, { lingerMs: 60_000 });
      const queued = Array.from({ length: 3 }, () => order([{ sku: "GL-1", quantity: 1 }]));
      const submitted = queued.map((o) => lingering.submit(o));
      const started = Date.now();
      await lingering.close();
      assert.ok(Date.now() - started < 5_000, "close did not wait for the 60 s linger");
      assert.deepEqual(await outcomes(submitted), ["ok", "ok", "ok"]);
      assert.equal((await stored(queued.map((o) => o.orderId))).orders, 3);
      assert.equal(lingering.flushes, 1);
      await assert.rejects(
        lingering.submit(order([{ sku: "GL-2", quantity: 1 }])),
        (error: Error) => error instanceof IntakeUnavailableError && /shutting down/.test(error.message),
      );
      await lingering.close(); // idempotent
    });

    test("checkReady passes on a reachable database; close() leaves the caller's pool open", async () => {
      await intake.checkReady();
      await intake.close();
      await intake.checkReady(); // the pool belongs to the runtime, not to the intake
    });
  });
}

describe("TableOrderIntake with the database unreachable", () => {
  test("checkReady names the dependency and submit rejects (the API answers 503)", async () => {
    const db = createDatabase(databaseConfigFromUrl("postgres://postgres@127.0.0.1:1/none", 1));
    const intake = new TableOrderIntake(db);
    try {
      await assert.rejects(
        intake.checkReady(),
        /order table \(postgres\) unreachable: .*(ECONNREFUSED|connect)/i,
      );
      await assert.rejects(intake.submit(order([{ sku: "TI-X", quantity: 1 }])), (error: Error) => {
        assert.ok(error instanceof IntakeUnavailableError);
        assert.match(error.message, /did not store the order: .*(ECONNREFUSED|connect)/i);
        return true;
      });
      assert.equal(intake.pendingCount, 0);
    } finally {
      await db.destroy();
    }
  });
});
