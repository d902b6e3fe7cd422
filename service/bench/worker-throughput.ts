/**
 * How fast the stream worker decides orders: puts N orders on an in-process kinesalite stream and
 * times the worker(s) from start until every order is decided (committed in PostgreSQL).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node --import tsx bench/worker-throughput.ts [--orders 30000] [--shards 2] [--workers 1]
 *       [--batch 500] [--mode backlog|live] [--skus 200]
 *
 * backlog: the orders are on the stream before the workers start (drain rate).
 * live:    the workers run while the producer puts the orders (end to end, producer → decision).
 *
 * --kinesis-thread runs kinesalite in a worker thread: in-process kinesalite spends much of its CPU
 * in bignumber.js (hash keys, sequence numbers), which otherwise competes with the worker for one core.
 *
 * It creates a throwaway database on that server and drops it afterwards. A script, not a test.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import pgClient from "pg";
import { pino } from "pino";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import { createKinesisClient, ensureStream } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { KinesisOrderWorker } from "../src/modes/stream/kinesis-worker.js";
import type { IntakeMetrics } from "../src/modes/types.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { migrate } from "../src/store/migrations/index.js";
import { applyOrders } from "../src/store/processing.js";
import { startLocalKinesis } from "../tools/local/kinesalite.js";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "30000" },
    shards: { type: "string", default: "2" },
    workers: { type: "string", default: "1" },
    batch: { type: "string", default: "500" },
    mode: { type: "string", default: "backlog" },
    skus: { type: "string", default: "200" },
    "kinesis-thread": { type: "boolean", default: false },
  },
});
const total = Number(values.orders);
const shards = Number(values.shards);
const workerCount = Number(values.workers);
const batchSize = Number(values.batch);
const skuCount = Number(values.skus);
const mode = values.mode === "live" ? "live" : "backlog";

const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) {
  console.error("DATABASE_URL must point at a PostgreSQL server (a throwaway database is created on it).");
  process.exit(2);
}

class Counting implements IntakeMetrics {
  decided = 0;
  latencies: number[] = [];
  lagMax = 0;
  ordersDecided(_status: "CONFIRMED" | "REJECTED", count: number) {
    this.decided += count;
  }
  processingLatency(seconds: number) {
    this.latencies.push(seconds);
  }
  shardLag(_shard: string, ms: number) {
    this.lagMax = Math.max(this.lagMax, ms);
  }
  poisonRecords() {}
}

/** kinesalite on its own thread (plain JS: it is a CommonJS package, no TypeScript needed). */
async function startKinesisThread(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const code = `
    const { parentPort } = require("node:worker_threads");
    const server = require("kinesalite")({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
    server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
  `;
  const thread = new Worker(code, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    thread.once("message", resolve);
    thread.once("error", reject);
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: async () => void (await thread.terminate()) };
}

const dbName = `fastcart_bench_${randomBytes(4).toString("hex")}`;
const admin = new pgClient.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(baseUrl);
url.pathname = `/${dbName}`;
const db = createDatabase(databaseConfigFromUrl(url.toString(), 10));
const kinesis = values["kinesis-thread"] ? await startKinesisThread() : await startLocalKinesis();
const client = createKinesisClient({
  streamName: "bench",
  region: "eu-central-1",
  endpoint: kinesis.endpoint,
});
const logger = pino({ level: "warn" });

try {
  await migrate(db);
  const skus = Array.from({ length: skuCount }, (_, i) => `BENCH-${i}`);
  await db
    .insertInto("products")
    .values(
      skus.map((sku) => ({
        sku,
        name: sku,
        unit_price: 199,
        currency: "EUR",
        stock: 10_000_000,
        updated_at: new Date(),
      })),
    )
    .execute();
  const streamName = `bench-${randomBytes(3).toString("hex")}`;
  await ensureStream(client, streamName, shards);

  const orders: AcceptedOrder[] = Array.from({ length: total }, (_, i) => ({
    orderId: randomUUID(),
    customerId: `cust-${i % 1000}`,
    currency: "EUR",
    items: Array.from({ length: 1 + (i % 3) }, (_, j) => ({
      sku: skus[(i * 7 + j * 13) % skus.length]!,
      quantity: 1 + (j % 2),
    })),
    acceptedAt: new Date().toISOString(),
  }));

  const produce = async () => {
    const producer = new KinesisOrderIntake(client, { streamName, lingerMs: 5 });
    const started = performance.now();
    // Submit in waves, as an API under load would, rather than 30k promises at once.
    for (let i = 0; i < orders.length; i += 2_000) {
      await Promise.all(
        orders.slice(i, i + 2_000).map((order) => {
          order.acceptedAt = new Date().toISOString();
          return producer.submit(order);
        }),
      );
    }
    await producer.close();
    return (performance.now() - started) / 1000;
  };

  const metrics = new Counting();
  // Time spent inside applyOrders (the database work) vs. the whole run: where the time goes.
  let applySeconds = 0;
  let batches = 0;
  const timedApply: typeof applyOrders = async (trx, batch, now) => {
    const t0 = performance.now();
    try {
      return await applyOrders(trx, batch, now);
    } finally {
      applySeconds += (performance.now() - t0) / 1000;
      batches++;
    }
  };
  const workers = Array.from(
    { length: workerCount },
    () =>
      new KinesisOrderWorker({
        client,
        db,
        streamName,
        applyOrders: timedApply,
        cache: new MemoryStatusCache(),
        logger,
        metrics,
        polling: { batchSize },
      }),
  );

  let produceSeconds: number;
  let started: number;
  if (mode === "backlog") {
    produceSeconds = await produce();
    started = performance.now();
    await Promise.all(workers.map((w) => w.start()));
  } else {
    started = performance.now();
    await Promise.all(workers.map((w) => w.start()));
    produceSeconds = await produce();
  }
  while (metrics.decided < total) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (performance.now() - started > 600_000)
      throw new Error(`only ${metrics.decided}/${total} decided after 10 min`);
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.stop()));

  const sorted = metrics.latencies.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const decidedRows = await db
    .selectFrom("orders")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  console.log(
    JSON.stringify(
      {
        mode,
        orders: total,
        shards,
        workers: workerCount,
        batchSize,
        producerOrdersPerSecond: Math.round(total / produceSeconds),
        workerSeconds: Number(seconds.toFixed(2)),
        decidedOrdersPerSecond: Math.round(total / seconds),
        decidedRowsInDatabase: Number(decidedRows.n),
        batches,
        meanBatch: Math.round(total / Math.max(1, batches)),
        applyOrdersSeconds: Number(applySeconds.toFixed(2)),
        latencySeconds: mode === "live" ? { p50: pct(50), p99: pct(99), max: pct(100) } : undefined,
        maxMillisBehindLatest: metrics.lagMax,
      },
      null,
      2,
    ),
  );
} finally {
  client.destroy();
  await kinesis.stop();
  await db.destroy();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
