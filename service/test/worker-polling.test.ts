import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GetRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { Transaction } from "kysely";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import { applyOrders } from "../src/store/processing.js";
import type { Database } from "../src/store/schema.js";
import { perSuite } from "./support/per-suite.js";
import {
  addProduct,
  createTestStream,
  decidedCount,
  decisionHistoryCounts,
  newOrder,
  newWorker,
  orderIdsOf,
  putOrders,
  startHarness,
  stockOf,
  waitFor,
} from "./support/worker-harness.js";

const h = perSuite(() => startHarness("polling"));

/** A client of its own whose GetRecords calls are timed and, when `throttle` says so, refused as Kinesis would. */
function instrumentedClient(throttle: (call: number) => boolean = () => false) {
  const client: KinesisClient = createKinesisClient({
    streamName: "unused",
    region: "eu-central-1",
    endpoint: h.kinesis.endpoint,
  });
  const original = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const calls: number[] = [];
  const limits: number[] = [];
  client.send = (async (command: unknown) => {
    if (command instanceof GetRecordsCommand) {
      calls.push(Date.now());
      limits.push(command.input.Limit ?? 0);
      if (throttle(calls.length)) {
        throw Object.assign(new Error("Rate exceeded for shard (injected)"), {
          name: "ProvisionedThroughputExceededException",
        });
      }
    }
    return original(command);
  }) as KinesisClient["send"];
  return { client, calls, limits };
}

describe("KinesisOrderWorker: polling within Kinesis limits", () => {
  test("at most 5 GetRecords calls per second on a shard, busy or idle", async () => {
    const stream = await createTestStream(h.client, "p-rate", 1);
    await addProduct(h, "RATE", 10_000);
    const orders = Array.from({ length: 400 }, () => newOrder(["RATE"]));
    await putOrders(h, stream, orders);
    const { client, calls } = instrumentedClient();
    // Small batches keep the worker busy polling (with read-ahead) for several calls in a row.
    const worker = newWorker(h, stream, {
      client,
      polling: { batchSize: 40, maxBatchSize: 40, idleBackoffMinMs: 50, idleBackoffMaxMs: 50 },
    });
    await worker.start();
    await waitFor("all decided", async () => (await decidedCount(h, orderIdsOf(orders))) === 400);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // and some idle polling
    await worker.stop();
    client.destroy();
    assert.ok(calls.length >= 12, `expected many calls, got ${calls.length}`);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    assert.ok(Math.min(...gaps) >= 195, `GetRecords calls ${Math.min(...gaps)} ms apart (limit: 200 ms)`);
  });

  test("a backlog grows the GetRecords Limit past the batch size, and a trickle shrinks it back", async () => {
    const stream = await createTestStream(h.client, "p-adapt", 1);
    await addProduct(h, "ADAPT", 100_000);
    const orders = Array.from({ length: 1_500 }, () => newOrder(["ADAPT"]));
    await putOrders(h, stream, orders);
    const { client, limits } = instrumentedClient();
    const worker = newWorker(h, stream, {
      client,
      polling: { batchSize: 100, idleBackoffMinMs: 50, idleBackoffMaxMs: 50 },
    });
    await worker.start();
    await waitFor("all decided", async () => (await decidedCount(h, orderIdsOf(orders))) === 1_500);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // idle polls after the backlog
    await worker.stop();
    client.destroy();
    assert.equal(limits[0], 100);
    assert.ok(Math.max(...limits) >= 800, `Limits asked: ${limits.join(", ")}`);
    assert.equal(limits.at(-1), 100, `Limits asked: ${limits.join(", ")}`);
    const counts = await decisionHistoryCounts(h, orderIdsOf(orders));
    assert.ok([...counts.values()].every((n) => n === 1));
  });

  test("backs off when throttled and carries on without losing or repeating records", async () => {
    const stream = await createTestStream(h.client, "p-throttle", 1);
    await addProduct(h, "THROTTLE", 1_000);
    const orders = Array.from({ length: 50 }, () => newOrder(["THROTTLE"]));
    await putOrders(h, stream, orders);
    const { client, calls } = instrumentedClient((n) => n <= 3);
    const worker = newWorker(h, stream, {
      client,
      polling: { errorBackoffMinMs: 100, errorBackoffMaxMs: 1_000 },
    });
    await worker.start();
    await waitFor("all decided", async () => (await decidedCount(h, orderIdsOf(orders))) === 50);
    await worker.stop();
    client.destroy();
    // Three refusals: waits of ~100, ~200, ~400 ms (plus jitter) before the 2nd, 3rd and 4th calls.
    assert.ok(calls[1]! - calls[0]! >= 100, `first backoff ${calls[1]! - calls[0]!} ms`);
    assert.ok(calls[3]! - calls[2]! >= 400, `third backoff ${calls[3]! - calls[2]!} ms`);
    const counts = await decisionHistoryCounts(h, orderIdsOf(orders));
    assert.ok([...counts.values()].every((n) => n === 1));
    assert.equal(await stockOf(h, "THROTTLE"), 950);
  });

  test("a failed batch transaction is replayed from the checkpoint, not skipped", async () => {
    const stream = await createTestStream(h.client, "p-dberror", 1);
    await addProduct(h, "DBERR", 100);
    const orders = Array.from({ length: 30 }, () => newOrder(["DBERR"]));
    await putOrders(h, stream, orders);
    let failures = 0;
    const flaky = async (trx: Transaction<Database>, batch: AcceptedOrder[], now: Date) => {
      const decisions = await applyOrders(trx, batch, now);
      if (failures < 2) {
        failures++;
        throw new Error("connection terminated unexpectedly (injected)");
      }
      return decisions;
    };
    const worker = newWorker(h, stream, { applyOrders: flaky });
    await worker.start();
    await waitFor("all decided", async () => (await decidedCount(h, orderIdsOf(orders))) === 30);
    await worker.stop();
    assert.equal(failures, 2);
    assert.equal(await stockOf(h, "DBERR"), 70);
    const counts = await decisionHistoryCounts(h, orderIdsOf(orders));
    assert.ok([...counts.values()].every((n) => n === 1));
  });

  test("a batch rolled back after its checkpoint was written is read again by the same worker", async () => {
    const stream = await createTestStream(h.client, "p-rollback", 1);
    await addProduct(h, "ROLLBACK", 100);
    const orders = Array.from({ length: 30 }, () => newOrder(["ROLLBACK"]));
    await putOrders(h, stream, orders);
    let rollbacks = 0;
    const worker = newWorker(h, stream, {
      hooks: {
        // Runs after applyOrders AND the checkpoint UPDATE, inside the transaction.
        beforeCommit: async () => {
          if (rollbacks < 2) {
            rollbacks++;
            throw new Error("commit failed (injected)");
          }
        },
      },
    });
    await worker.start();
    await waitFor(
      "all decided by the same worker",
      async () => (await decidedCount(h, orderIdsOf(orders))) === 30,
    );
    await worker.stop();
    assert.equal(rollbacks, 2);
    assert.equal(await stockOf(h, "ROLLBACK"), 70);
    const counts = await decisionHistoryCounts(h, orderIdsOf(orders));
    assert.ok([...counts.values()].every((n) => n === 1));
  });
});
