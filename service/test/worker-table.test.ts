/**
 * TableOrderWorker on its own (the shared behavioural suite covers idempotency, oversell, crash replay
 * and end to end): batch size, stop() semantics and its bound, an unreachable database, the idle
 * backoff, several processes (separate pools) on one queue, and the runtime wiring for
 * INTAKE_MODE=table. PostgreSQL always; MariaDB/MySQL when MYSQL_URL is set.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { pino } from "pino";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import { loadConfig } from "../src/config.js";
import { TableOrderIntake } from "../src/modes/table/table-intake.js";
import { TableOrderWorker, type TableWorkerOptions } from "../src/modes/table/table-worker.js";
import type { BatchInfo } from "../src/pipeline/batch-processor.js";
import { closeRuntime, createIntake, createWorker, openRuntime } from "../src/runtime.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { insertPendingOrder } from "../src/store/pending.js";
import { applyOrders } from "../src/store/processing.js";
import type { Database } from "../src/store/schema.js";
import {
  ENGINES,
  insertProducts,
  type MigratedDatabase,
  migratedDatabase,
  order,
  product,
  stockOf,
} from "./store-helpers.js";
import { perSuite } from "./support/per-suite.js";
import { orderIdsOf, quietLogger, RecordingMetrics } from "./support/worker-harness.js";

const FAST = { idleBackoffMinMs: 20, idleBackoffMaxMs: 100, errorBackoffMinMs: 50, errorBackoffMaxMs: 200 };

function newWorker(db: Kysely<Database>, extra: Partial<TableWorkerOptions> = {}): TableOrderWorker {
  return new TableOrderWorker({
    db,
    applyOrders,
    cache: new MemoryStatusCache(),
    logger: quietLogger,
    ...extra,
    polling: { ...FAST, ...extra.polling },
  });
}

async function statusCounts(db: Kysely<Database>, ids: string[]): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("orders")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("order_id", "in", ids)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A promise with its resolve/reject handles, to hold a batch inside its transaction. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

for (const { engine, skip } of ENGINES) {
  describe(`TableOrderWorker on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    const workers: TableOrderWorker[] = [];
    const track = (w: TableOrderWorker) => {
      workers.push(w);
      return w;
    };
    before(async () => {
      m = await migratedDatabase("tworker", 12, engine);
    });
    after(async () => {
      await Promise.allSettled(workers.map((w) => w.kill()));
      await m?.close();
    });

    test("WORKER_BATCH_SIZE bounds every claimed batch (fromConfig)", async () => {
      await insertProducts(m.db, [product("TB-SIZE", 100)]);
      const orders = Array.from({ length: 30 }, () => order([{ sku: "TB-SIZE", quantity: 1 }]));
      for (const o of orders) await insertPendingOrder(m.db, o);
      const config = loadConfig(
        { DATABASE_URL: m.url, INTAKE_MODE: "table", WORKER_BATCH_SIZE: "7" },
        { database: true, auth: false },
      );
      const sizes: number[] = [];
      const worker = track(
        TableOrderWorker.fromConfig(
          config,
          { db: m.db, cache: new MemoryStatusCache(), logger: quietLogger },
          {
            hooks: { beforeCommit: async (b: BatchInfo) => void sizes.push(b.orders.length) },
            polling: FAST,
          },
        ),
      );
      await worker.start();
      const ids = orderIdsOf(orders);
      await waitUntil("30 decided", async () => (await statusCounts(m.db, ids)).CONFIRMED === 30);
      await worker.stop();
      assert.ok(sizes.length >= 5 && sizes.every((n) => n >= 1 && n <= 7), `batch sizes ${sizes.join(",")}`);
      assert.equal(await stockOf(m.db, "TB-SIZE"), 70);
    });

    test("stop() lets the batch in hand commit, then claims nothing more", async () => {
      await insertProducts(m.db, [product("TB-STOP", 100)]);
      const first = Array.from({ length: 5 }, () => order([{ sku: "TB-STOP", quantity: 1 }]));
      for (const o of first) await insertPendingOrder(m.db, o);
      const held = gate();
      let inHand = false;
      const worker = track(
        newWorker(m.db, {
          hooks: {
            beforeCommit: async () => {
              inHand = true;
              await held.promise;
            },
          },
        }),
      );
      await worker.start();
      await waitUntil("a batch in hand", () => inHand);
      let stopped = false;
      const stopping = worker.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(stopped, false, "stop() waits for the batch in hand");
      held.open();
      await stopping;
      const ids = orderIdsOf(first);
      assert.deepEqual(await statusCounts(m.db, ids), { CONFIRMED: 5 }, "the batch in hand committed");
      const later = order([{ sku: "TB-STOP", quantity: 1 }]);
      await insertPendingOrder(m.db, later);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(
        await statusCounts(m.db, [later.orderId]),
        { PENDING: 1 },
        "nothing claimed after stop",
      );
      // Leave the queue empty for the tests that follow.
      const cleaner = track(newWorker(m.db));
      await cleaner.start();
      await waitUntil(
        "later decided",
        async () => (await statusCounts(m.db, [later.orderId])).CONFIRMED === 1,
      );
      await cleaner.stop();
    });

    test("stop() is bounded: a hung batch does not hold shutdown, and its orders stay PENDING", async () => {
      await insertProducts(m.db, [product("TB-HUNG", 10)]);
      const orders = Array.from({ length: 3 }, () => order([{ sku: "TB-HUNG", quantity: 1 }]));
      for (const o of orders) await insertPendingOrder(m.db, o);
      const hung = gate();
      let inHand = false;
      const worker = track(
        newWorker(m.db, {
          stopTimeoutMs: 300,
          hooks: {
            beforeCommit: async () => {
              inHand = true;
              await hung.promise;
            },
          },
        }),
      );
      await worker.start();
      await waitUntil("a batch in hand", () => inHand);
      const started = Date.now();
      await worker.stop();
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 1_500, `stop() returned after ${took} ms`);
      // The hung transaction dies (as when the process exits): it rolls back, nothing is lost.
      hung.fail(new Error("connection lost"));
      const ids = orderIdsOf(orders);
      await waitUntil("rollback", async () => (await statusCounts(m.db, ids)).PENDING === 3);
      const next = track(newWorker(m.db));
      await next.start();
      await waitUntil(
        "decided by the next worker",
        async () => (await statusCounts(m.db, ids)).CONFIRMED === 3,
      );
      await next.stop();
      assert.equal(await stockOf(m.db, "TB-HUNG"), 7);
    });

    test("an idle worker backs off (50 ms doubling to the max) and still picks up new work", async () => {
      await insertProducts(m.db, [product("TB-IDLE", 10)]);
      const worker = track(
        newWorker(m.db, { polling: { idleBackoffMinMs: 50, idleBackoffMaxMs: 400, batchSize: 100 } }),
      );
      await worker.start();
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      // 50+100+200+400+400 ≈ 1,150 ms: about 6 claims in 1.2 s, not one per event-loop turn.
      assert.ok(worker.claims >= 3 && worker.claims <= 9, `${worker.claims} claims in 1.2 s while idle`);
      const o = order([{ sku: "TB-IDLE", quantity: 1 }]);
      await insertPendingOrder(m.db, o);
      const seen = Date.now();
      await waitUntil("picked up", async () => (await statusCounts(m.db, [o.orderId])).CONFIRMED === 1);
      // Max backoff 400 ms + one batch; 2 s leaves room for a loaded CI machine.
      assert.ok(Date.now() - seen < 2_000, "picked up within the maximum backoff");
      await worker.stop();
    });

    test("workers in separate processes (own pools) share the queue and decide each order once", async () => {
      await insertProducts(m.db, [product("TB-P1", 40), product("TB-P2", 40)]);
      const orders = Array.from({ length: 240 }, (_, i) =>
        order([{ sku: i % 2 === 0 ? "TB-P1" : "TB-P2", quantity: 1 + (i % 3) }]),
      );
      const intake = new TableOrderIntake(m.db);
      await Promise.all(orders.map((o) => intake.submit(o)));
      const pools = [0, 1, 2].map(() => createDatabase(databaseConfigFromUrl(m.url, 3)));
      const metrics = pools.map(() => new RecordingMetrics());
      const fleet = pools.map((db, i) =>
        track(newWorker(db, { metrics: metrics[i], polling: { batchSize: 5 } })),
      );
      try {
        await Promise.all(fleet.map((w) => w.start()));
        const ids = orderIdsOf(orders);
        await waitUntil("all decided", async () => (await statusCounts(m.db, ids)).PENDING === undefined);
        await Promise.all(fleet.map((w) => w.stop()));
        const decided = metrics.map((x) => x.confirmed + x.rejected);
        assert.equal(
          decided.reduce((a, b) => a + b, 0),
          240,
          `each order decided by exactly one worker: ${decided.join("+")}`,
        );
        assert.ok(
          fleet.filter((w) => w.batches > 0).length >= 2,
          `batches per worker ${fleet.map((w) => w.batches).join(",")}: SKIP LOCKED lets them run in parallel`,
        );
        const history = await m.db
          .selectFrom("order_status_history")
          .select(["order_id", (eb) => eb.fn.countAll<number>().as("n")])
          .where("order_id", "in", ids)
          .where("status", "in", ["CONFIRMED", "REJECTED"])
          .groupBy("order_id")
          .execute();
        assert.equal(history.length, 240);
        assert.ok(
          history.every((r) => Number(r.n) === 1),
          "one decision per order in the history",
        );
        for (const sku of ["TB-P1", "TB-P2"]) {
          const confirmed = await m.db
            .selectFrom("orders")
            .innerJoin("order_items", "order_items.order_id", "orders.order_id")
            .select((eb) => eb.fn.sum<number>("order_items.quantity").as("q"))
            .where("orders.order_id", "in", ids)
            .where("orders.status", "=", "CONFIRMED")
            .where("order_items.sku", "=", sku)
            .executeTakeFirstOrThrow();
          const stock = await stockOf(m.db, sku);
          assert.ok(stock >= 0);
          assert.equal(40 - stock, Number(confirmed.q ?? 0), `${sku}: stock arithmetic`);
        }
      } finally {
        await Promise.allSettled(fleet.map((w) => w.kill()));
        await Promise.all(pools.map((db) => db.destroy()));
      }
    });
  });
}

describe("TableOrderWorker with the database unreachable", () => {
  test("logs the failure, backs off, and stops promptly", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const db = createDatabase(databaseConfigFromUrl("postgres://postgres@127.0.0.1:1/none", 2));
    const worker = newWorker(db, {
      logger: pino({ level: "error" }, sink),
      polling: { errorBackoffMinMs: 100, errorBackoffMaxMs: 400 },
    });
    try {
      await worker.start();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const started = Date.now();
      await worker.stop();
      assert.ok(Date.now() - started < 500, "stop() cuts the backoff short");
      const failures = lines.filter((l) => l.includes("table batch failed"));
      // 100 + 200 + 400 (+ 400) ms of backoff: a handful of attempts, not a hot loop.
      assert.ok(failures.length >= 2 && failures.length <= 6, `${failures.length} failures logged in 1 s`);
      assert.match(failures[0]!, /ECONNREFUSED|connect/i);
    } finally {
      await db.destroy();
    }
  });
});

describe("runtime wiring for INTAKE_MODE=table", () => {
  const m = perSuite(() => migratedDatabase("twiring", 5, "postgres"));

  test("createIntake/createWorker build the table parts; an order goes in and is decided", async () => {
    const config = loadConfig(
      { DATABASE_URL: m.url, INTAKE_MODE: "table", WORKER_BATCH_SIZE: "50" },
      { database: true, auth: false },
    );
    assert.equal(config.kinesis.endpoint, undefined, "no stream configuration is needed in table mode");
    const runtime = openRuntime(config, quietLogger, { processMetrics: false });
    try {
      await insertProducts(runtime.store.db, [product("TB-WIRE", 3)]);
      const intake = createIntake(runtime);
      const worker = createWorker(runtime);
      assert.ok(intake instanceof TableOrderIntake);
      assert.equal(intake.mode, "table");
      assert.ok(worker instanceof TableOrderWorker);
      await intake.checkReady();
      const o = order([{ sku: "TB-WIRE", quantity: 2 }]);
      await intake.submit(o);
      await worker.start();
      await waitUntil(
        "decided",
        async () => (await runtime.store.getOrder(o.orderId))?.status === "CONFIRMED",
      );
      await worker.stop();
      await intake.close();
      assert.equal(await stockOf(runtime.store.db, "TB-WIRE"), 1);
      const text = await runtime.metrics.registry.metrics();
      assert.match(text, /^orders_confirmed_total(\{[^}]*\})? 1$/m);
    } finally {
      await closeRuntime(runtime);
    }
  });
});
