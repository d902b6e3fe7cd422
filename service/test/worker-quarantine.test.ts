/**
 * A record that fails on its own never blocks its shard and is never dropped: the batch is bisected,
 * every other order is decided, and after WORKER_MAX_RECORD_ATTEMPTS the failing record moves to the
 * quarantine table with the checkpoint past it, in one transaction. Transient faults (here a deadlock
 * every time) only retry. The failure is a real one: a PostgreSQL trigger that refuses one customer.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { encodeOrderRecord } from "../src/modes/stream/record.js";
import { applyOrders } from "../src/store/processing.js";
import { listQuarantined } from "../src/store/quarantine-store.js";
import { perSuite } from "./support/per-suite.js";
import {
  addProduct,
  createTestStream,
  decidedCount,
  decisionHistoryCounts,
  leaseRows,
  newOrder,
  newWorker,
  orderIdsOf,
  putRaw,
  RecordingMetrics,
  startHarness,
  stockOf,
  waitFor,
} from "./support/worker-harness.js";

const h = perSuite(() => startHarness("worker_quarantine"));

/** Makes PostgreSQL refuse every order row of `customerId` with `sqlstate`. */
async function refuseCustomer(customerId: string, sqlstate: string): Promise<() => Promise<void>> {
  const fn = `refuse_${sqlstate.toLowerCase()}`;
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger AS $$ BEGIN
         IF NEW.customer_id = '${customerId}' THEN
           RAISE EXCEPTION 'orders of % are refused', NEW.customer_id USING ERRCODE = '${sqlstate}';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql`,
    )
    .execute(h.db);
  await sql
    .raw(`CREATE TRIGGER ${fn} BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION ${fn}()`)
    .execute(h.db);
  return async () => {
    await sql.raw(`DROP TRIGGER ${fn} ON orders`).execute(h.db);
  };
}

describe("quarantine in stream mode", () => {
  test("a record failing alone is quarantined after its attempts; the rest of its batch and shard is decided", async () => {
    const stream = await createTestStream(h.client, "q-stream", 1);
    await addProduct(h, "Q-A", 100);
    const lift = await refuseCustomer("cursed", "22023");
    try {
      const orders = Array.from({ length: 7 }, (_, i) => newOrder(["Q-A"], 1, i === 4 ? "cursed" : "fine"));
      const bad = orders[4]!;
      const sequences = await putRaw(
        h,
        stream,
        orders.map((o) => ({ data: encodeOrderRecord(o), key: o.orderId })),
      );
      const metrics = new RecordingMetrics();
      const worker = newWorker(h, stream, { metrics, maxRecordAttempts: 2 });
      await worker.start();
      const good = orders.filter((o) => o !== bad).map((o) => o.orderId);
      await waitFor("the six good orders decided", async () => (await decidedCount(h, good)) === 6);
      await waitFor(
        "checkpoint past the whole batch",
        async () => (await leaseRows(h, stream))[0]?.checkpoint === sequences.at(-1),
      );
      await worker.stop();

      const [entry, ...others] = await listQuarantined(h.db, { limit: 10 });
      assert.equal(others.length, 0);
      assert.ok(entry);
      assert.equal(entry.intake, "stream");
      assert.equal(entry.streamName, stream);
      assert.equal(entry.sequenceNumber, sequences[4]);
      assert.equal(entry.partitionKey, bad.orderId);
      assert.equal(entry.reason, "unstorable");
      assert.equal(entry.attempts, 2);
      assert.match(entry.error, /^22023: orders of cursed are refused/);
      assert.deepEqual(new Uint8Array(entry.rawData), encodeOrderRecord(bad));
      assert.ok(entry.firstSeenAt.getTime() <= entry.lastSeenAt.getTime());
      assert.equal(await decidedCount(h, [bad.orderId]), 0);
      assert.deepEqual([...(await decisionHistoryCounts(h, good)).values()], [1, 1, 1, 1, 1, 1]);
      assert.equal(await stockOf(h, "Q-A"), 94);
      assert.equal(metrics.quarantined.get("unstorable"), 1);
    } finally {
      await lift();
    }
  });

  test("poison records are quarantined too (reason poison, attempts 1), not silently skipped", async () => {
    const stream = await createTestStream(h.client, "q-poison", 1);
    const [sequence] = await putRaw(h, stream, [{ data: new TextEncoder().encode("{oops"), key: "k" }]);
    const worker = newWorker(h, stream);
    await worker.start();
    await waitFor(
      "poison checkpointed",
      async () => (await leaseRows(h, stream))[0]?.checkpoint === sequence,
    );
    await worker.stop();
    const poison = (await listQuarantined(h.db, { limit: 10 })).filter((e) => e.streamName === stream);
    assert.equal(poison.length, 1);
    assert.equal(poison[0]?.reason, "poison");
    assert.equal(poison[0]?.attempts, 1);
    assert.match(poison[0]?.error ?? "", /not JSON/);
  });

  test("a transient fault (deadlock on every attempt) only retries: nothing quarantined, decided once it clears", async () => {
    const stream = await createTestStream(h.client, "q-transient", 1);
    await addProduct(h, "Q-T", 10);
    const lift = await refuseCustomer("unlucky", "40P01");
    const orders = [newOrder(["Q-T"]), newOrder(["Q-T"], 1, "unlucky"), newOrder(["Q-T"])];
    await putRaw(
      h,
      stream,
      orders.map((o) => ({ data: encodeOrderRecord(o), key: o.orderId })),
    );
    const worker = newWorker(h, stream, { maxRecordAttempts: 1 });
    await worker.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const quarantined = (await listQuarantined(h.db, { limit: 10 })).filter((e) => e.streamName === stream);
      assert.equal(quarantined.length, 0, "a deadlock is never the record's fault");
      assert.equal(await decidedCount(h, orderIdsOf(orders)), 0, "the batch is retried whole");
    } finally {
      await lift();
    }
    await waitFor(
      "all decided after the fault cleared",
      async () => (await decidedCount(h, orderIdsOf(orders))) === 3,
    );
    await worker.stop();
  });

  test("the backoff of a batch that keeps failing grows until it commits (a successful read does not reset it)", async () => {
    const stream = await createTestStream(h.client, "q-backoff", 1);
    await addProduct(h, "Q-B", 10);
    const lift = await refuseCustomer("doomed", "22023");
    try {
      const doomed = newOrder(["Q-B"], 1, "doomed");
      await putRaw(h, stream, [{ data: encodeOrderRecord(doomed), key: doomed.orderId }]);
      const attempts: number[] = [];
      const worker = newWorker(h, stream, {
        maxRecordAttempts: 5,
        polling: { errorBackoffMinMs: 100, errorBackoffMaxMs: 2_000 },
        applyOrders: (trx, orders, now) => {
          attempts.push(Date.now());
          return applyOrders(trx, orders, now);
        },
      });
      await worker.start();
      await waitFor("quarantined after 5 attempts", async () =>
        (await listQuarantined(h.db, { limit: 10 })).some((e) => e.streamName === stream),
      );
      await worker.stop();
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      assert.equal(gaps.length, 4);
      // Nominal waits 100, 200, 400, 800 ms (+ up to 20 %, + the read): each at least the nominal one.
      assert.ok(gaps[2]! >= 400 && gaps[3]! >= 800, `gaps ${gaps.join(", ")} ms`);
    } finally {
      await lift();
    }
  });
});
