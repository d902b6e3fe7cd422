/**
 * Shared set-up for the stream-worker tests: a real kinesalite, a fresh PostgreSQL database (migrated),
 * products, a producer, workers with short lease timings, and assertions that read the database.
 */
import { randomUUID } from "node:crypto";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { Kysely } from "kysely";
import { pino } from "pino";
import { MemoryStatusCache } from "../../src/cache/memory-cache.js";
import { createKinesisClient } from "../../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../../src/modes/stream/kinesis-intake.js";
import { KinesisOrderWorker, type KinesisWorkerOptions } from "../../src/modes/stream/kinesis-worker.js";
import type { IntakeMetrics } from "../../src/modes/types.js";
import type { AcceptedOrder } from "../../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrations/index.js";
import { applyOrders } from "../../src/store/processing.js";
import type { Database } from "../../src/store/schema.js";
import { type LocalKinesis, startLocalKinesis } from "../../tools/local/kinesalite.js";
import { createTestStream } from "./kinesis.js";
import { createTestDatabase, type TestDatabase } from "./services.js";

/** Counts what the workers report, as the Prometheus adapter would. */
export class RecordingMetrics implements IntakeMetrics {
  confirmed = 0;
  rejected = 0;
  poison = 0;
  latencies: number[] = [];
  lag = new Map<string, number>();
  rejectedByReason = new Map<string, number>();
  ordersDecided(status: "CONFIRMED" | "REJECTED", count: number, reason?: string): void {
    if (status === "CONFIRMED") this.confirmed += count;
    else {
      this.rejected += count;
      this.rejectedByReason.set(reason ?? "?", (this.rejectedByReason.get(reason ?? "?") ?? 0) + count);
    }
  }
  processingLatency(seconds: number): void {
    this.latencies.push(seconds);
  }
  shardLag(shardId: string, millisBehind: number): void {
    this.lag.set(shardId, millisBehind);
  }
  poisonRecords(count: number): void {
    this.poison += count;
  }
  quarantined = new Map<string, number>();
  quarantinedRecords(reason: string, count: number): void {
    this.quarantined.set(reason, (this.quarantined.get(reason) ?? 0) + count);
  }
  committedShards = new Map<string, number>();
  shardCommitted(shardId: string): void {
    this.committedShards.set(shardId, (this.committedShards.get(shardId) ?? 0) + 1);
  }
}

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export interface Harness {
  kinesis: LocalKinesis;
  client: KinesisClient;
  db: Kysely<Database>;
  /** Every worker newWorker made: close() kills those still running, so a failed test cannot hang the file. */
  workers: KinesisOrderWorker[];
  close(): Promise<void>;
}

export async function startHarness(label: string): Promise<Harness> {
  const kinesis = await startLocalKinesis();
  const client = createKinesisClient({
    streamName: "unused",
    region: "eu-central-1",
    endpoint: kinesis.endpoint,
  });
  const testDb: TestDatabase = await createTestDatabase(label);
  const db = createDatabase(databaseConfigFromUrl(testDb.url, 20));
  await migrate(db);
  const workers: KinesisOrderWorker[] = [];
  return {
    kinesis,
    client,
    db,
    workers,
    close: async () => {
      await Promise.allSettled(workers.map((worker) => worker.kill()));
      await db.destroy();
      await testDb.drop();
      client.destroy();
      await kinesis.stop();
    },
  };
}

export { createTestStream };

/** Test timings: leases expire in 1.5 s, renewals every 300 ms, coordination every 200 ms. */
export function newWorker(
  h: Harness,
  streamName: string,
  extra: Partial<KinesisWorkerOptions> = {},
): KinesisOrderWorker {
  const worker = new KinesisOrderWorker({
    client: h.client,
    db: h.db,
    streamName,
    applyOrders,
    cache: new MemoryStatusCache(),
    logger: quietLogger,
    leaseTtlMs: 1_500,
    renewIntervalMs: 300,
    coordinateIntervalMs: 200,
    polling: { idleBackoffMinMs: 100, idleBackoffMaxMs: 300, errorBackoffMinMs: 100, errorBackoffMaxMs: 500 },
    ...extra,
  });
  h.workers.push(worker);
  return worker;
}

export async function addProduct(
  h: Harness,
  sku: string,
  stock: number,
  unitPrice = 1_000,
  currency = "EUR",
) {
  await h.db
    .insertInto("products")
    .values({ sku, name: `Product ${sku}`, unit_price: unitPrice, currency, stock, updated_at: new Date() })
    .execute();
}

export function newOrder(skus: string[], quantity = 1, customerId = "cust-worker"): AcceptedOrder {
  return {
    orderId: randomUUID(),
    customerId,
    currency: "EUR",
    items: skus.map((sku) => ({ sku, quantity })),
    acceptedAt: new Date().toISOString(),
  };
}

/** The order ids of `orders`, in order (what decidedCount and decisionHistoryCounts take). */
export const orderIdsOf = (orders: readonly AcceptedOrder[]): string[] =>
  orders.map((order) => order.orderId);

/** Puts orders through the real producer (batched PutRecords, partition key = order id). */
export async function putOrders(h: Harness, streamName: string, orders: AcceptedOrder[]): Promise<void> {
  const producer = new KinesisOrderIntake(h.client, { streamName, lingerMs: 2 });
  await Promise.all(orders.map((order) => producer.submit(order)));
  await producer.close();
}

/** Puts raw bytes (poison, hand-made duplicates) with PutRecords. */
export async function putRaw(h: Harness, streamName: string, records: { data: Uint8Array; key: string }[]) {
  const result = await h.client.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: records.map((r) => ({ Data: r.data, PartitionKey: r.key })),
    }),
  );
  if (result.FailedRecordCount) throw new Error(`${result.FailedRecordCount} records failed`);
  return result.Records!.map((r) => r.SequenceNumber!);
}

export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function decidedCount(h: Harness, orderIds: string[]): Promise<number> {
  if (orderIds.length === 0) return 0;
  const row = await h.db
    .selectFrom("orders")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("order_id", "in", orderIds)
    .where("status", "in", ["CONFIRMED", "REJECTED"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function stockOf(h: Harness, sku: string): Promise<number> {
  const row = await h.db
    .selectFrom("products")
    .select("stock")
    .where("sku", "=", sku)
    .executeTakeFirstOrThrow();
  return Number(row.stock);
}

export async function leaseRows(h: Harness, streamName: string) {
  return h.db
    .withTables<{
      shard_leases: {
        stream_name: string;
        shard_id: string;
        owner: string | null;
        checkpoint: string | null;
        finished: boolean;
        fencing_token: number;
      };
    }>()
    .selectFrom("shard_leases")
    .select(["shard_id", "owner", "checkpoint", "finished", "fencing_token"])
    .where("stream_name", "=", streamName)
    .orderBy("shard_id")
    .execute();
}

/** Per order: how many status-history rows say CONFIRMED/REJECTED (exactly 1 when decided once). */
export async function decisionHistoryCounts(h: Harness, orderIds: string[]): Promise<Map<string, number>> {
  const rows = await h.db
    .selectFrom("order_status_history")
    .select(["order_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("order_id", "in", orderIds)
    .where("status", "in", ["CONFIRMED", "REJECTED"])
    .groupBy("order_id")
    .execute();
  return new Map(rows.map((r) => [r.order_id, Number(r.n)]));
}
