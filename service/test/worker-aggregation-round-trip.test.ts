/**
 * The whole aggregated path through our own code on a real kinesalite: orders put by the Kinesis intake
 * with KPL aggregation on are decided by our workers exactly once, on the shard their partition key maps
 * to, in stream order per shard (so per partition key); and a worker killed between the chunks of one
 * aggregated record leaves a sub-sequence checkpoint from which only the uncommitted user records replay.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ListShardsCommand } from "@aws-sdk/client-kinesis";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { hashKeyOf } from "../src/modes/stream/kpl-aggregator.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import type { BatchInfo } from "../src/pipeline/batch-processor.js";
import { applyOrders } from "../src/store/processing.js";
import { readRawRecords } from "./support/kinesis.js";
import { readUserRecords } from "./support/kpl-reference.js";
import { perSuite } from "./support/per-suite.js";
import {
  addProduct,
  createTestStream,
  decisionHistoryCounts,
  leaseRows,
  newOrder,
  newWorker,
  orderIdsOf,
  startHarness,
  stockOf,
  waitFor,
} from "./support/worker-harness.js";

const h = perSuite(() => startHarness("worker_agg_round_trip"));

/** Puts orders through the real intake with aggregation on; returns how many Kinesis records it used. */
async function putAggregated(streamName: string, orders: AcceptedOrder[], lingerMs = 20): Promise<number> {
  let records = 0;
  const intake = new KinesisOrderIntake(h.client, {
    streamName,
    aggregate: true,
    lingerMs,
    onRecordsPut: (count) => {
      records += count;
    },
  });
  // Readiness loads the shard map, as it does before a running service takes traffic.
  await intake.checkReady();
  await Promise.all(orders.map((order) => intake.submit(order)));
  await intake.close();
  return records;
}

/** The open shard owning each partition key, from ListShards (independently of the producer's ShardMap). */
async function shardOwner(streamName: string): Promise<(partitionKey: string) => string> {
  const { Shards = [] } = await h.client.send(new ListShardsCommand({ StreamName: streamName }));
  return (partitionKey) => {
    const key = hashKeyOf(partitionKey);
    return Shards.find(
      (s) => BigInt(s.HashKeyRange!.StartingHashKey!) <= key && key <= BigInt(s.HashKeyRange!.EndingHashKey!),
    )!.ShardId!;
  };
}

describe("aggregated orders from our intake through our workers", () => {
  test("decided exactly once, each on its key's shard, in stream order per shard", async () => {
    const stream = await createTestStream(h.client, "agg-round-trip", 3);
    await addProduct(h, "AGG-RT", 10_000);
    const orders = Array.from({ length: 600 }, () => newOrder(["AGG-RT"], 2));
    const records = await putAggregated(stream, orders);
    assert.ok(records * 10 <= orders.length, `${records} Kinesis records for ${orders.length} orders`);

    // Which shard committed which order, in commit order (a retried transaction repeats its batch).
    const committed = new Map<string, string[]>();
    const hooks = {
      beforeCommit: async (batch: BatchInfo) => {
        const shard = batch.source.replace(/^stream:/, "");
        committed.set(shard, [...(committed.get(shard) ?? []), ...orderIdsOf(batch.orders)]);
      },
    };
    const polling = {
      batchSize: 50,
      idleBackoffMinMs: 100,
      idleBackoffMaxMs: 300,
      errorBackoffMinMs: 100,
      errorBackoffMaxMs: 500,
    };
    const a = newWorker(h, stream, { hooks, polling });
    const b = newWorker(h, stream, { hooks, polling });
    await Promise.all([a.start(), b.start()]);
    await waitFor("every order decided", async () => {
      const history = await decisionHistoryCounts(h, orderIdsOf(orders));
      return history.size === orders.length;
    });
    await Promise.all([a.stop(), b.stop()]);

    const history = await decisionHistoryCounts(h, orderIdsOf(orders));
    assert.ok(
      [...history.values()].every((n) => n === 1),
      "no order decided twice",
    );
    assert.equal(await stockOf(h, "AGG-RT"), 10_000 - 2 * orders.length);

    const owner = await shardOwner(stream);
    const onStream = await readUserRecords(h.client, stream);
    for (const [shard, orderIds] of committed) {
      const firstCommits = [...new Set(orderIds)];
      for (const id of firstCommits) assert.equal(owner(id), shard, `order ${id} decided on the wrong shard`);
      assert.deepEqual(
        firstCommits,
        onStream.filter((u) => u.shardId === shard).map((u) => u.partitionKey),
        `${shard} decided its orders out of stream order`,
      );
    }
    assert.ok(committed.size >= 2, "the orders spread over several shards");
  });

  test("a worker killed between chunks of one aggregate: the rest replays, 0 lost, 0 twice", async () => {
    const stream = await createTestStream(h.client, "agg-crash", 1);
    await addProduct(h, "AGG-CRASH", 100);
    const orders = Array.from({ length: 12 }, () => newOrder(["AGG-CRASH"]));
    // One linger long enough to gather all 12 in one aggregated Kinesis record.
    assert.equal(await putAggregated(stream, orders, 200), 1, "the 12 orders share one Kinesis record");
    const [aggregate] = await readRawRecords(h.client, stream);

    // Batch size 3: the aggregate commits in 4 chunks. The crash comes inside the third chunk's
    // transaction, so chunks 1 and 2 (6 orders) are committed and everything after is lost with A.
    let chunks = 0;
    let dead = false;
    let killed: Promise<void> | undefined;
    const a = newWorker(h, stream, {
      polling: {
        batchSize: 3,
        idleBackoffMinMs: 100,
        idleBackoffMaxMs: 300,
        errorBackoffMinMs: 50,
        errorBackoffMaxMs: 100,
      },
      hooks: {
        beforeCommit: async () => {
          chunks++;
          if (chunks === 3) {
            dead = true;
            killed = a.kill();
          }
          if (dead) throw new Error("the process died before this COMMIT");
        },
      },
    });
    await a.start();
    await waitFor("worker A killed mid-aggregate", () => killed !== undefined);
    await killed;
    const afterCrash = await leaseRows(h, stream);
    assert.equal(afterCrash[0]?.checkpoint, `${aggregate!.sequenceNumber}:5`, "6 user records committed");
    assert.equal((await decisionHistoryCounts(h, orderIdsOf(orders))).size, 6);

    const replayed: string[] = [];
    const b = newWorker(h, stream, {
      applyOrders: (trx, batch, now) => {
        replayed.push(...orderIdsOf(batch));
        return applyOrders(trx, batch, now);
      },
    });
    await b.start();
    await waitFor("all 12 decided after the takeover", async () => {
      return (await decisionHistoryCounts(h, orderIdsOf(orders))).size === 12;
    });
    await waitFor(
      "checkpoint at the whole record",
      async () => (await leaseRows(h, stream))[0]?.checkpoint === aggregate!.sequenceNumber,
    );
    await b.stop();

    assert.deepEqual(
      replayed,
      orderIdsOf(orders).slice(6),
      "only the uncommitted user records were replayed",
    );
    const history = await decisionHistoryCounts(h, orderIdsOf(orders));
    assert.deepEqual([...history.values()], Array(12).fill(1), "no order decided twice");
    assert.equal(await stockOf(h, "AGG-CRASH"), 88);
  });
});
