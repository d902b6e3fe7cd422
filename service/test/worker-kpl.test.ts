/**
 * KPL-aggregated records through a real worker on kinesalite: each user record is decided on its own
 * (a poison user record costs only itself), and a failure in the middle of an aggregated record
 * replays only the user records not yet committed (the checkpoint carries the sub-sequence number).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeOrderRecord } from "../src/modes/stream/record.js";
import type { BatchInfo } from "../src/pipeline/batch-processor.js";
import { aggregateRecords } from "./support/kpl.js";
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

const h = perSuite(() => startHarness("worker_kpl"));

describe("KPL-aggregated records", () => {
  test("an aggregate of 5 orders and a poison user record: 5 decided, 1 poison, checkpoint past it", async () => {
    const stream = await createTestStream(h.client, "kpl-five", 1);
    await addProduct(h, "KPL-A", 100);
    const orders = Array.from({ length: 5 }, () => newOrder(["KPL-A"], 2));
    const users = orders.map((o) => ({ partitionKey: o.orderId, data: encodeOrderRecord(o) }));
    users.splice(2, 0, { partitionKey: "poison", data: new TextEncoder().encode('{"schema":"nope"}') });
    const [aggregate] = await aggregateRecords(users);
    const [sequence] = await putRaw(h, stream, [{ data: aggregate!.data, key: aggregate!.partitionKey }]);
    const metrics = new RecordingMetrics();
    const worker = newWorker(h, stream, { metrics });
    await worker.start();
    await waitFor(
      "5 aggregated orders decided",
      async () => (await decidedCount(h, orderIdsOf(orders))) === 5,
    );
    await waitFor(
      "checkpoint past the aggregate",
      async () => (await leaseRows(h, stream))[0]?.checkpoint === sequence,
    );
    await worker.stop();
    assert.equal(metrics.confirmed, 5);
    assert.equal(metrics.poison, 1);
    assert.equal(await stockOf(h, "KPL-A"), 90);
  });

  test("a failure inside an aggregate replays only its uncommitted user records", async () => {
    const stream = await createTestStream(h.client, "kpl-resume", 1);
    await addProduct(h, "KPL-B", 100);
    const orders = Array.from({ length: 5 }, () => newOrder(["KPL-B"]));
    const [aggregate] = await aggregateRecords(
      orders.map((o) => ({ partitionKey: o.orderId, data: encodeOrderRecord(o) })),
    );
    const [sequence] = await putRaw(h, stream, [{ data: aggregate!.data, key: aggregate!.partitionKey }]);
    const batches: string[][] = [];
    let failed = false;
    let checkpointAtFailure: string | null | undefined;
    const worker = newWorker(h, stream, {
      polling: { batchSize: 2, errorBackoffMinMs: 50, errorBackoffMaxMs: 100 },
      hooks: {
        beforeCommit: async (batch: BatchInfo) => {
          batches.push(orderIdsOf(batch.orders));
          if (batches.length === 2 && !failed) {
            failed = true;
            checkpointAtFailure = (await leaseRows(h, stream))[0]?.checkpoint;
            // A transient fault (the connection dropped), so the worker retries the chunk whole.
            throw Object.assign(new Error("simulated connection loss before the second commit"), {
              code: "ECONNRESET",
            });
          }
        },
      },
    });
    await worker.start();
    const ids = orderIdsOf(orders);
    await waitFor("all 5 decided after the failure", async () => (await decidedCount(h, ids)) === 5);
    await waitFor(
      "checkpoint at the whole record",
      async () => (await leaseRows(h, stream))[0]?.checkpoint === sequence,
    );
    await worker.stop();
    assert.equal(checkpointAtFailure, `${sequence}:1`, "the first two user records were committed");
    assert.deepEqual(batches, [ids.slice(0, 2), ids.slice(2, 4), ids.slice(2, 4), ids.slice(4)]);
    const history = await decisionHistoryCounts(h, ids);
    assert.deepEqual([...history.values()], [1, 1, 1, 1, 1]);
    assert.equal(await stockOf(h, "KPL-B"), 95);
  });
});
