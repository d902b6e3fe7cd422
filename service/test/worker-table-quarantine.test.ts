/**
 * Table mode: a PENDING order that fails on its own (a real trigger refusing its decision) is isolated
 * by bisecting the batch, every other order is decided, and after WORKER_MAX_RECORD_ATTEMPTS it is
 * quarantined — still PENDING for its owner, no longer claimed. Once the cause is fixed, a replay makes
 * the workers decide it through the normal path, once. PostgreSQL, and MariaDB/MySQL when MYSQL_URL
 * is set.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Kysely, sql } from "kysely";
import { pino } from "pino";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import type { DbEngine } from "../src/contract.js";
import { decodeOrderRecord } from "../src/modes/stream/record.js";
import { TableOrderWorker } from "../src/modes/table/table-worker.js";
import { OrderBatchProcessor } from "../src/pipeline/batch-processor.js";
import { discardQuarantined, replayQuarantined } from "../src/pipeline/replay.js";
import { insertPendingOrder } from "../src/store/pending.js";
import { applyOrders } from "../src/store/processing.js";
import { listQuarantined } from "../src/store/quarantine-store.js";
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
import { quietLogger, RecordingMetrics } from "./support/worker-harness.js";

const FAST = { idleBackoffMinMs: 20, idleBackoffMaxMs: 100, errorBackoffMinMs: 50, errorBackoffMaxMs: 200 };

/** Makes the database refuse deciding (not accepting) any order of `customerId`. */
async function refuseDecisions(db: Kysely<Database>, engine: DbEngine, customerId: string) {
  if (engine === "postgres") {
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION refuse_decision() RETURNS trigger AS $$ BEGIN
           IF NEW.customer_id = '${customerId}' AND NEW.status <> 'PENDING' THEN
             RAISE EXCEPTION 'decisions for % are refused', NEW.customer_id USING ERRCODE = '22023';
           END IF;
           RETURN NEW;
         END $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql
      .raw(
        "CREATE TRIGGER refuse_decision BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION refuse_decision()",
      )
      .execute(db);
    return async () => void (await sql.raw("DROP TRIGGER refuse_decision ON orders").execute(db));
  }
  for (const event of ["INSERT", "UPDATE"]) {
    await sql
      .raw(
        `CREATE TRIGGER refuse_decision_${event.toLowerCase()} BEFORE ${event} ON orders FOR EACH ROW
         BEGIN
           IF NEW.customer_id = '${customerId}' AND NEW.status <> 'PENDING' THEN
             SIGNAL SQLSTATE '22023' SET MESSAGE_TEXT = 'decisions for ${customerId} are refused';
           END IF;
         END`,
      )
      .execute(db);
  }
  return async () => {
    for (const event of ["insert", "update"])
      await sql.raw(`DROP TRIGGER refuse_decision_${event}`).execute(db);
  };
}

async function statusOf(db: Kysely<Database>, orderId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("orders")
    .select("status")
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  return row?.status;
}

async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const { engine, skip } of ENGINES) {
  describe(`table-mode quarantine on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    let worker: TableOrderWorker | undefined;
    before(async () => {
      m = await migratedDatabase("tquarantine", 8, engine);
    });
    after(async () => {
      await worker?.kill();
      await m?.close();
    });

    test("the failing order is quarantined, the rest decided; replay decides it once, discard keeps a reason", async () => {
      await insertProducts(m.db, [product("TQ-A", 100)]);
      const orders = Array.from({ length: 9 }, (_, i) =>
        order([{ sku: "TQ-A", quantity: 1 }], { customerId: i === 5 ? "cursed" : "fine" }),
      );
      for (const o of orders) await insertPendingOrder(m.db, o);
      const bad = orders[5]!;
      const lift = await refuseDecisions(m.db, engine, "cursed");
      const metrics = new RecordingMetrics();
      worker = new TableOrderWorker({
        db: m.db,
        applyOrders,
        cache: new MemoryStatusCache(),
        logger: quietLogger,
        metrics,
        maxRecordAttempts: 2,
        polling: FAST,
      });
      await worker.start();
      const good = orders.filter((o) => o !== bad);
      const allGoodDecided = async () => {
        for (const o of good) if ((await statusOf(m.db, o.orderId)) !== "CONFIRMED") return false;
        return true;
      };
      await waitUntil(
        "one order quarantined and the eight others decided",
        async () => (await listQuarantined(m.db, { limit: 5 })).length === 1 && (await allGoodDecided()),
      );
      assert.equal(await statusOf(m.db, bad.orderId), "PENDING", "the owner still reads it as PENDING");
      const [entry] = await listQuarantined(m.db, { limit: 5 });
      assert.ok(entry);
      assert.equal(entry.intake, "table");
      assert.equal(entry.orderId, bad.orderId);
      assert.equal(entry.attempts, 2);
      assert.equal(entry.reason, engine === "postgres" ? "unstorable" : "failed");
      assert.match(entry.error, /decisions for cursed are refused/);
      const stored = decodeOrderRecord(entry.rawData);
      assert.ok(stored.ok);
      assert.equal(stored.order.orderId, bad.orderId);
      assert.equal(metrics.quarantined.size, 1);

      // Quarantined means no longer claimed: the worker idles, the order is not tried again.
      const claims = worker.claims;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await waitUntil("a few idle claims", () => worker!.claims >= claims + 3);
      assert.equal(await statusOf(m.db, bad.orderId), "PENDING");
      const [still] = await listQuarantined(m.db, { limit: 5 });
      assert.equal(still?.lastSeenAt.getTime(), entry.lastSeenAt.getTime(), "not tried again");
      assert.deepEqual([...metrics.quarantined.values()], [1]);

      // Fix the cause, replay: the workers decide it, once; a second replay is refused.
      await lift();
      const processor = new OrderBatchProcessor({
        db: m.db,
        applyOrders,
        cache: new MemoryStatusCache(),
        logger: pino({ level: "silent" }),
      });
      const replay = await replayQuarantined(m.db, processor, entry.quarantineId);
      assert.equal(replay.outcome, "replayed");
      await waitUntil(
        "the replayed order decided",
        async () => (await statusOf(m.db, bad.orderId)) === "CONFIRMED",
      );
      assert.equal((await replayQuarantined(m.db, processor, entry.quarantineId)).outcome, "not-open");
      assert.equal(await stockOf(m.db, "TQ-A"), 91);
      assert.deepEqual(await listQuarantined(m.db, { limit: 5 }), []);
      const [replayed] = await listQuarantined(m.db, { limit: 5, state: "REPLAYED" });
      assert.equal(replayed?.resolution, "replayed by an operator");
      assert.equal(await discardQuarantined(m.db, entry.quarantineId, "too late"), "not-open");
      assert.equal(await discardQuarantined(m.db, "00000000-0000-4000-8000-000000000000", "x"), "not-found");
    });
  });
}
