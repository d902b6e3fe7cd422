import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import type { Transaction } from "kysely";
import { waitForStreamActive } from "../src/modes/stream/kinesis-client.js";
import { planLeaseTakes } from "../src/modes/stream/lease-balancer.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import type { BatchInfo } from "../src/pipeline/batch-processor.js";
import { LeaseStore } from "../src/store/leases.js";
import { applyOrders } from "../src/store/processing.js";
import type { Database } from "../src/store/schema.js";
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
  putOrders,
  RecordingMetrics,
  startHarness,
  stockOf,
  waitFor,
} from "./support/worker-harness.js";

const h = perSuite(() => startHarness("failover"));

async function assertDecidedOnce(orders: AcceptedOrder[]) {
  const counts = await decisionHistoryCounts(h, orderIdsOf(orders));
  assert.equal(counts.size, orders.length, "every order decided");
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    "no order decided twice",
  );
}

/** applyOrders that remembers which orders it was given (to see where a worker resumed). */
function recordingApply(seen: Set<string>) {
  return (trx: Transaction<Database>, orders: AcceptedOrder[], now: Date) => {
    for (const order of orders) seen.add(order.orderId);
    return applyOrders(trx, orders, now);
  };
}

describe("KinesisOrderWorker: failures and concurrency", () => {
  test("a killed worker's leases expire and another worker continues from its checkpoint", async () => {
    const stream = await createTestStream(h.client, "f-takeover", 2);
    await addProduct(h, "TAKEOVER", 1_000);
    const first = Array.from({ length: 100 }, () => newOrder(["TAKEOVER"]));
    await putOrders(h, stream, first);
    const a = newWorker(h, stream);
    await a.start();
    await waitFor(
      "first orders decided by A",
      async () => (await decidedCount(h, orderIdsOf(first))) === 100,
    );
    await a.kill(); // no release: the leases stay owned by A until they expire
    assert.ok((await leaseRows(h, stream)).every((l) => l.owner === a.workerId));

    const second = Array.from({ length: 100 }, () => newOrder(["TAKEOVER"]));
    await putOrders(h, stream, second);
    const seenByB = new Set<string>();
    const b = newWorker(h, stream, { applyOrders: recordingApply(seenByB) });
    await b.start();
    await waitFor("B owns both shards", () => b.ownedShards.length === 2, 10_000);
    await waitFor(
      "second orders decided by B",
      async () => (await decidedCount(h, orderIdsOf(second))) === 100,
    );
    await b.stop();

    assert.equal(first.filter((o) => seenByB.has(o.orderId)).length, 0, "B resumed after A's checkpoint");
    assert.equal(second.filter((o) => seenByB.has(o.orderId)).length, 100);
    await assertDecidedOnce([...first, ...second]);
    assert.equal(await stockOf(h, "TAKEOVER"), 800);
    const leases = await leaseRows(h, stream);
    assert.ok(
      leases.every((l) => Number(l.fencing_token) >= 3),
      "taken, taken over, released: a new token each time",
    );
  });

  test("a crash between processing and commit commits nothing; the batch replays and is decided once", async () => {
    const stream = await createTestStream(h.client, "f-crash", 1);
    await addProduct(h, "CRASH", 50);
    const orders = Array.from({ length: 80 }, () => newOrder(["CRASH"]));
    await putOrders(h, stream, orders);

    let crashes = 0;
    const a = newWorker(h, stream, {
      hooks: {
        beforeCommit: async () => {
          crashes++;
          throw new Error("simulated crash before COMMIT");
        },
      },
    });
    await a.start();
    await waitFor("A processed a batch and crashed before committing it", () => crashes >= 1);
    await a.kill();
    assert.equal(await decidedCount(h, orderIdsOf(orders)), 0, "nothing of the batch was committed");
    assert.equal(await stockOf(h, "CRASH"), 50, "no stock reserved");
    assert.equal((await leaseRows(h, stream))[0]?.checkpoint, null, "checkpoint not moved");

    const metrics = new RecordingMetrics();
    const b = newWorker(h, stream, { metrics });
    await b.start();
    await waitFor("B replayed the batch", async () => (await decidedCount(h, orderIdsOf(orders))) === 80);
    await b.stop();
    await assertDecidedOnce(orders);
    assert.equal(await stockOf(h, "CRASH"), 0);
    assert.equal(metrics.confirmed, 50);
    assert.equal(metrics.rejected, 30);
  });

  test("a worker whose lease was stolen cannot commit (fencing)", async () => {
    const stream = await createTestStream(h.client, "f-fence", 1);
    await addProduct(h, "FENCE", 100);
    // A never renews in this test, so it learns of the theft only from its fenced commit.
    const a = newWorker(h, stream, { renewIntervalMs: 600_000, leaseTtlMs: 600_000 });
    await a.start();
    assert.equal(a.ownedShards.length, 1);
    const thief = new LeaseStore(h.db, { streamName: stream, workerId: "thief", leaseTtlMs: 600_000 });
    const [lease] = await thief.snapshot();
    const stolen = await thief.take({
      shardId: lease!.shardId,
      expectedToken: lease!.fencingToken,
      stealFrom: a.workerId,
    });
    assert.ok(stolen, "the thief took the lease");

    const orders = Array.from({ length: 10 }, () => newOrder(["FENCE"]));
    await putOrders(h, stream, orders);
    await waitFor("A gave the shard up after its commit was fenced", () => a.ownedShards.length === 0);
    await a.stop();
    assert.equal(await decidedCount(h, orderIdsOf(orders)), 0, "A's batch rolled back");
    assert.equal(await stockOf(h, "FENCE"), 100);
    const [row] = await leaseRows(h, stream);
    assert.equal(row?.owner, "thief");
    assert.equal(row?.checkpoint, null);
    assert.equal(Number(row?.fencing_token), stolen.fencingToken);
    assert.deepEqual(
      planLeaseTakes(await thief.snapshot(), a.workerId),
      [],
      "A may not steal back (difference of one)",
    );
  });

  test("after a reshard the parent is drained before its children; every order processed once", async () => {
    const stream = await createTestStream(h.client, "f-reshard", 1);
    await addProduct(h, "RESHARD", 10_000);
    const beforeSplit = Array.from({ length: 120 }, () => newOrder(["RESHARD"]));
    await putOrders(h, stream, beforeSplit);
    const [parent] = await listShardIds(stream);
    await h.client.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: parent!,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForStreamActive(h.client, stream);
    const afterSplit = Array.from({ length: 120 }, () => newOrder(["RESHARD"]));
    await putOrders(h, stream, afterSplit);

    const batches: { source: string; orders: number }[] = [];
    const hooks = {
      beforeCommit: async (batch: BatchInfo) =>
        void batches.push({ source: batch.source, orders: batch.orders.length }),
    };
    const metricsA = new RecordingMetrics();
    const metricsB = new RecordingMetrics();
    const a = newWorker(h, stream, { hooks, metrics: metricsA, polling: { batchSize: 50 } });
    const b = newWorker(h, stream, { hooks, metrics: metricsB, polling: { batchSize: 50 } });
    await Promise.all([a.start(), b.start()]);
    await waitFor(
      "all orders decided",
      async () => (await decidedCount(h, orderIdsOf([...beforeSplit, ...afterSplit]))) === 240,
    );
    await Promise.all([a.stop(), b.stop()]);

    const parentSource = `stream:${parent}`;
    const lastParent = batches.map((x) => x.source).lastIndexOf(parentSource);
    const firstChild = batches.findIndex((x) => x.source !== parentSource);
    assert.ok(
      lastParent >= 0 && firstChild > lastParent,
      `parent batches must all precede child batches: ${batches.map((x) => x.source).join(", ")}`,
    );
    assert.equal(
      batches.filter((x) => x.source === parentSource).reduce((n, x) => n + x.orders, 0),
      120,
    );
    const leases = await leaseRows(h, stream);
    assert.equal(leases.length, 3);
    assert.equal(leases.find((l) => l.shard_id === parent)?.finished, true);
    assert.ok(leases.filter((l) => l.shard_id !== parent).every((l) => !l.finished && l.checkpoint !== null));
    await assertDecidedOnce([...beforeSplit, ...afterSplit]);
    assert.equal(metricsA.confirmed + metricsB.confirmed, 240);
    assert.equal(await stockOf(h, "RESHARD"), 10_000 - 240);
  });

  test("after a merge the child waits for both parents", async () => {
    const stream = await createTestStream(h.client, "f-merge", 2);
    await addProduct(h, "MERGE", 10_000);
    const beforeMerge = Array.from({ length: 100 }, () => newOrder(["MERGE"]));
    await putOrders(h, stream, beforeMerge);
    const [left, right] = await listShardIds(stream);
    await h.client.send(
      new MergeShardsCommand({ StreamName: stream, ShardToMerge: left!, AdjacentShardToMerge: right! }),
    );
    await waitForStreamActive(h.client, stream);
    const afterMerge = Array.from({ length: 100 }, () => newOrder(["MERGE"]));
    await putOrders(h, stream, afterMerge);

    const batches: string[] = [];
    const hooks = { beforeCommit: async (batch: BatchInfo) => void batches.push(batch.source) };
    const worker = newWorker(h, stream, { hooks, polling: { batchSize: 30 } });
    await worker.start();
    await waitFor(
      "all decided",
      async () => (await decidedCount(h, orderIdsOf([...beforeMerge, ...afterMerge]))) === 200,
    );
    await worker.stop();
    const parents = new Set([`stream:${left}`, `stream:${right}`]);
    const lastParent = Math.max(...batches.map((source, i) => (parents.has(source) ? i : -1)));
    const firstChild = batches.findIndex((source) => !parents.has(source));
    assert.ok(firstChild > lastParent, `both parents before the merged child: ${batches.join(", ")}`);
    const leases = await leaseRows(h, stream);
    assert.equal(leases.length, 3);
    assert.equal(leases.filter((l) => l.finished).length, 2);
    await assertDecidedOnce([...beforeMerge, ...afterMerge]);
  });

  test("two workers on the same SKUs never oversell; stock arithmetic is exact", async () => {
    const stream = await createTestStream(h.client, "f-oversell", 2);
    await addProduct(h, "HOT", 250);
    await addProduct(h, "MIX-X", 120);
    await addProduct(h, "MIX-Y", 90);
    const metricsA = new RecordingMetrics();
    const metricsB = new RecordingMetrics();
    const a = newWorker(h, stream, { metrics: metricsA, polling: { batchSize: 60 } });
    const b = newWorker(h, stream, { metrics: metricsB, polling: { batchSize: 60 } });
    await a.start();
    await b.start();
    await waitFor(
      "fair share: one shard each",
      () => a.ownedShards.length === 1 && b.ownedShards.length === 1,
      10_000,
    );

    const hot = Array.from({ length: 400 }, () => newOrder(["HOT"]));
    const mixed = Array.from({ length: 200 }, (_, i) =>
      i % 3 === 0
        ? newOrder(["MIX-X", "MIX-Y"], 1)
        : i % 3 === 1
          ? newOrder(["MIX-X"], 2)
          : newOrder(["MIX-Y"], 1),
    );
    await putOrders(h, stream, [...hot, ...mixed]);
    await waitFor(
      "all decided",
      async () => (await decidedCount(h, orderIdsOf([...hot, ...mixed]))) === 600,
      30_000,
    );
    await Promise.all([a.stop(), b.stop()]);

    assert.ok(
      metricsA.confirmed + metricsA.rejected > 0 && metricsB.confirmed + metricsB.rejected > 0,
      "both workers decided orders",
    );
    await assertDecidedOnce([...hot, ...mixed]);
    const rows = await h.db
      .selectFrom("order_items")
      .innerJoin("orders", "orders.order_id", "order_items.order_id")
      .select(["order_items.sku", "order_items.quantity", "orders.status"])
      .where("orders.order_id", "in", orderIdsOf([...hot, ...mixed]))
      .execute();
    const confirmedUnits = (sku: string) =>
      rows
        .filter((r) => r.sku === sku && r.status === "CONFIRMED")
        .reduce((n, r) => n + Number(r.quantity), 0);
    assert.equal(confirmedUnits("HOT"), 250, "demand 400 > stock 250: exactly the stock is sold");
    assert.equal(await stockOf(h, "HOT"), 0);
    assert.equal(await stockOf(h, "MIX-X"), 120 - confirmedUnits("MIX-X"));
    assert.equal(await stockOf(h, "MIX-Y"), 90 - confirmedUnits("MIX-Y"));
    assert.ok((await stockOf(h, "MIX-X")) >= 0 && (await stockOf(h, "MIX-Y")) >= 0);
  });

  test("stop() (SIGTERM) commits the batch in hand, releases the leases and returns promptly", async () => {
    const stream = await createTestStream(h.client, "f-stop", 1);
    await addProduct(h, "STOP", 10_000);
    const orders = Array.from({ length: 1_500 }, () => newOrder(["STOP"]));
    await putOrders(h, stream, orders);

    let inHand = 0;
    let stopping: Promise<void> | undefined;
    let stopStarted = 0;
    const worker = newWorker(h, stream, {
      hooks: {
        beforeCommit: async (batch) => {
          if (stopping) return;
          inHand = batch.orders.length;
          stopStarted = Date.now();
          stopping = worker.stop(); // SIGTERM arrives mid-batch…
          await new Promise((resolve) => setTimeout(resolve, 300)); // …of a slow batch
        },
      },
    });
    await worker.start();
    await waitFor("stop requested mid-batch", () => stopping !== undefined);
    await stopping;
    const stopMs = Date.now() - stopStarted;
    assert.ok(stopMs < 5_000, `stop took ${stopMs} ms`);
    assert.ok(inHand > 0);
    assert.equal(
      await decidedCount(h, orderIdsOf(orders)),
      inHand,
      "the batch in hand was committed, nothing after it",
    );
    const [lease] = await leaseRows(h, stream);
    assert.equal(lease?.owner, null, "lease released");
    assert.notEqual(lease?.checkpoint, null, "checkpoint kept");

    const next = newWorker(h, stream);
    await next.start();
    await waitFor(
      "the rest decided by the next worker",
      async () => (await decidedCount(h, orderIdsOf(orders))) === 1_500,
    );
    await next.stop();
    await assertDecidedOnce(orders);
    assert.equal(await stockOf(h, "STOP"), 10_000 - 1_500);
  });
});

async function listShardIds(stream: string): Promise<string[]> {
  const page = await h.client.send(new ListShardsCommand({ StreamName: stream }));
  return (page.Shards ?? []).map((s) => s.ShardId!);
}
