import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import { RedisStatusCache } from "../src/cache/redis-cache.js";
import { loadConfig } from "../src/config.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { KinesisOrderWorker } from "../src/modes/stream/kinesis-worker.js";
import { encodeOrderRecord } from "../src/modes/stream/record.js";
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
  putRaw,
  quietLogger,
  RecordingMetrics,
  startHarness,
  stockOf,
  waitFor,
} from "./support/worker-harness.js";

const h = perSuite(() => startHarness("worker"));

describe("KinesisOrderWorker: processing", () => {
  test("decides every order once, reserves stock exactly, refreshes the cache and reports metrics", async () => {
    const stream = await createTestStream(h.client, "w-basic", 2);
    await addProduct(h, "BASIC-A", 150);
    await addProduct(h, "BASIC-B", 1_000, 250, "USD");
    const confirmed = Array.from({ length: 150 }, () => newOrder(["BASIC-A"]));
    const outOfStock = Array.from({ length: 20 }, () => newOrder(["BASIC-A"]));
    const unknown = newOrder(["NO-SUCH-SKU"]);
    const wrongCurrency = newOrder(["BASIC-B"]);
    await putOrders(h, stream, confirmed);
    await putOrders(h, stream, [...outOfStock, unknown, wrongCurrency]);

    const cache = new MemoryStatusCache();
    const metrics = new RecordingMetrics();
    const worker = newWorker(h, stream, { cache, metrics });
    await worker.start();
    const all = [...confirmed, ...outOfStock, unknown, wrongCurrency].map((o) => o.orderId);
    await waitFor("all orders decided", async () => (await decidedCount(h, all)) === all.length);
    await worker.stop();

    assert.equal(await stockOf(h, "BASIC-A"), 0);
    assert.equal(await stockOf(h, "BASIC-B"), 1_000);
    const statuses = await h.db
      .selectFrom("orders")
      .select(["order_id", "status", "rejection_reason", "total"])
      .where("order_id", "in", all)
      .execute();
    const byId = new Map(statuses.map((s) => [s.order_id, s]));
    // 170 orders for 150 units, spread over two shards: exactly 150 win, whichever they are.
    const contested = [...confirmed, ...outOfStock].map((o) => byId.get(o.orderId));
    assert.equal(contested.filter((o) => o?.status === "CONFIRMED").length, 150);
    assert.equal(contested.filter((o) => o?.rejection_reason === "OUT_OF_STOCK").length, 20);
    assert.equal(byId.get(unknown.orderId)?.rejection_reason, "UNKNOWN_SKU");
    assert.equal(byId.get(wrongCurrency.orderId)?.rejection_reason, "CURRENCY_MISMATCH");
    assert.ok(contested.every((o) => o?.total === (o?.status === "CONFIRMED" ? 1_000 : 0)));

    assert.equal(metrics.confirmed, 150);
    assert.equal(metrics.rejected, 22);
    assert.equal(metrics.latencies.length, 172);
    assert.ok(metrics.latencies.every((s) => s >= 0 && s < 60));
    assert.equal(metrics.lag.size, 2, "shard lag reported per shard");
    assert.equal(cache.size, 172);
    assert.equal((await cache.get(unknown.orderId))?.status, "REJECTED");
    assert.equal((await cache.get(unknown.orderId))?.reason, "UNKNOWN_SKU");
    assert.equal((await cache.get(wrongCurrency.orderId))?.reason, "CURRENCY_MISMATCH");
    assert.equal(metrics.rejectedByReason.get("OUT_OF_STOCK"), 20);

    const leases = await leaseRows(h, stream);
    assert.equal(leases.length, 2);
    assert.ok(
      leases.every((l) => l.owner === null && l.checkpoint !== null),
      "released with checkpoints on stop",
    );
  });

  test("the same order put twice (a producer retry) is decided once and reserves stock once", async () => {
    const stream = await createTestStream(h.client, "w-dup", 1);
    await addProduct(h, "DUP-A", 10);
    const order = newOrder(["DUP-A"], 3);
    const data = encodeOrderRecord(order);
    // Twice in one batch, and once more in a later batch (after the first was committed).
    await putRaw(h, stream, [
      { data, key: order.orderId },
      { data, key: order.orderId },
    ]);
    const metrics = new RecordingMetrics();
    const worker = newWorker(h, stream, { metrics });
    await worker.start();
    await waitFor("order decided", async () => (await decidedCount(h, [order.orderId])) === 1);
    const [third] = await putRaw(h, stream, [{ data, key: order.orderId }]);
    await waitFor("third copy consumed", async () => (await leaseRows(h, stream))[0]?.checkpoint === third);
    await worker.stop();

    assert.equal(await stockOf(h, "DUP-A"), 7, "stock reserved once");
    assert.equal(metrics.confirmed, 1, "counted once");
    assert.deepEqual(await decisionHistoryCounts(h, [order.orderId]), new Map([[order.orderId, 1]]));
    const items = await h.db
      .selectFrom("order_items")
      .select("sku")
      .where("order_id", "=", order.orderId)
      .execute();
    assert.equal(items.length, 1);
  });

  test("poison records are skipped, counted and checkpointed; they never block the shard", async () => {
    const stream = await createTestStream(h.client, "w-poison", 1);
    await addProduct(h, "POISON-A", 10);
    const before1 = newOrder(["POISON-A"]);
    const after1 = newOrder(["POISON-A"]);
    const text = (value: string) => new TextEncoder().encode(value);
    const sequences = await putRaw(h, stream, [
      { data: encodeOrderRecord(before1), key: before1.orderId },
      { data: text("{not json"), key: "p1" },
      { data: text(JSON.stringify({ schema: "fastcart.order.v9", order: before1 })), key: "p2" },
      {
        data: text(JSON.stringify({ schema: "fastcart.order.v1", order: { ...before1, items: [] } })),
        key: "p3",
      },
      { data: new Uint8Array([0xff, 0xfe]), key: "p4" },
      { data: encodeOrderRecord(after1), key: after1.orderId },
    ]);
    const metrics = new RecordingMetrics();
    const worker = newWorker(h, stream, { metrics });
    await worker.start();
    await waitFor(
      "valid orders around the poison decided",
      async () => (await decidedCount(h, [before1.orderId, after1.orderId])) === 2,
    );
    await worker.stop();
    assert.equal(metrics.poison, 4);
    assert.equal(metrics.confirmed, 2);
    const [lease] = await leaseRows(h, stream);
    assert.equal(lease?.checkpoint, sequences.at(-1));

    // A batch of nothing but poison still moves the checkpoint (and a restart does not see it again).
    const onlyPoison = await putRaw(h, stream, [
      { data: text("garbage"), key: "p5" },
      { data: text("[]"), key: "p6" },
    ]);
    const metrics2 = new RecordingMetrics();
    const again = newWorker(h, stream, { metrics: metrics2 });
    await again.start();
    await waitFor(
      "poison-only batch checkpointed",
      async () => (await leaseRows(h, stream))[0]?.checkpoint === onlyPoison.at(-1),
    );
    await again.stop();
    assert.equal(metrics2.poison, 2, "only the new poison: the old was behind the checkpoint");
    assert.equal(metrics2.confirmed, 0);
  });

  test("a failing status cache never fails the batch", async () => {
    const stream = await createTestStream(h.client, "w-cache", 1);
    await addProduct(h, "CACHE-A", 5);
    const orders = Array.from({ length: 5 }, () => newOrder(["CACHE-A"]));
    await putOrders(h, stream, orders);
    // A real Redis client pointed at a closed port: every cache write fails.
    const cache = new RedisStatusCache(
      { url: "redis://127.0.0.1:1", tls: false },
      { connectTimeoutMs: 100, commandTimeoutMs: 100 },
    );
    const worker = newWorker(h, stream, { cache });
    await worker.start();
    await waitFor("decided despite the cache", async () => (await decidedCount(h, orderIdsOf(orders))) === 5);
    await worker.stop();
    await cache.close();
    assert.equal(await stockOf(h, "CACHE-A"), 0);
    assert.equal((await leaseRows(h, stream))[0]?.checkpoint !== null, true);
  });

  test("fromConfig wires the producer and the worker from ServiceConfig, as main.ts does", async () => {
    const stream = await createTestStream(h.client, "w-config", 2);
    await addProduct(h, "CONFIG-A", 100);
    const config = loadConfig(
      {
        DATABASE_URL: "postgres://unused@127.0.0.1/unused",
        KINESIS_ENDPOINT: h.kinesis.endpoint,
        KINESIS_STREAM_NAME: stream,
        WORKER_BATCH_SIZE: "7",
      },
      { database: true, auth: false },
    );
    const producer = KinesisOrderIntake.fromConfig(config, { logger: quietLogger });
    await producer.checkReady();
    const orders = Array.from({ length: 30 }, () => newOrder(["CONFIG-A"]));
    await Promise.all(orders.map((order) => producer.submit(order)));
    await producer.close();

    const worker = KinesisOrderWorker.fromConfig(config, {
      db: h.db,
      cache: new MemoryStatusCache(),
      logger: quietLogger,
    });
    h.workers.push(worker);
    const sizes: number[] = [];
    const withProbe = KinesisOrderWorker.fromConfig(
      config,
      { db: h.db, cache: new MemoryStatusCache(), logger: quietLogger },
      { hooks: { beforeCommit: async (batch) => void sizes.push(batch.orders.length) } },
    );
    h.workers.push(withProbe);
    await withProbe.start();
    await waitFor("decided", async () => (await decidedCount(h, orderIdsOf(orders))) === 30);
    await withProbe.stop();
    await worker.stop(); // never started: stopping is still clean
    // WORKER_BATCH_SIZE is the first GetRecords Limit; full batches then double it (shard-consumer.ts).
    assert.ok(sizes[0]! <= 7, `WORKER_BATCH_SIZE bounds the first batch: ${sizes.join(",")}`);
    assert.equal(
      sizes.reduce((sum, n) => sum + n, 0),
      30,
      `every order in exactly one committed batch: ${sizes.join(",")}`,
    );
    assert.equal(await stockOf(h, "CONFIG-A"), 70);
  });
});
