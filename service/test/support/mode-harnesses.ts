/**
 * The two intake modes as ModeHarnesses for the behavioural suite, both on real components:
 * - stream: KinesisOrderIntake + KinesisOrderWorker on an in-process kinesalite (a 2-shard stream of
 *   its own per system) and PostgreSQL;
 * - table: TableOrderIntake + TableOrderWorker on PostgreSQL or MariaDB/MySQL.
 * Each harness owns a fresh, migrated database (store-helpers' migratedDatabase), dropped on close.
 */
import { pino } from "pino";
import { MemoryStatusCache } from "../../src/cache/memory-cache.js";
import type { DbEngine } from "../../src/contract.js";
import { createKinesisClient } from "../../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../../src/modes/stream/kinesis-intake.js";
import { KinesisOrderWorker } from "../../src/modes/stream/kinesis-worker.js";
import { TableOrderIntake } from "../../src/modes/table/table-intake.js";
import { TableOrderWorker } from "../../src/modes/table/table-worker.js";
import { applyOrders } from "../../src/store/processing.js";
import { startLocalKinesis } from "../../tools/local/kinesalite.js";
import { migratedDatabase } from "../store-helpers.js";
import type { HarnessWorker, ModeHarness, SystemUnderTest, WorkerOptions } from "./behaviour-suite.js";
import { createTestStream } from "./kinesis.js";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Workers of one system; close() kills those still running so a failed test cannot hang the file. */
function workerPool() {
  const workers: HarnessWorker[] = [];
  return {
    add<W extends HarnessWorker>(worker: W): W {
      workers.push(worker);
      return worker;
    },
    killAll: () => Promise.allSettled(workers.map((w) => w.kill())),
  };
}

export async function streamModeHarness(label: string): Promise<ModeHarness> {
  const m = await migratedDatabase(label, 20, "postgres");
  const kinesis = await startLocalKinesis();
  const client = createKinesisClient({
    streamName: "unused",
    region: "eu-central-1",
    endpoint: kinesis.endpoint,
  });
  return {
    mode: "stream",
    engine: "postgres",
    db: m.db,
    async newSystem(): Promise<SystemUnderTest> {
      const streamName = await createTestStream(client, `behaviour-${label}`, 2);
      const intake = new KinesisOrderIntake(client, { streamName, lingerMs: 2 });
      const pool = workerPool();
      return {
        intake,
        startWorker: async (options: WorkerOptions = {}) => {
          // Short lease timings, as in the worker tests: a killed worker's shards move within ~2 s.
          const worker = pool.add(
            new KinesisOrderWorker({
              client,
              db: m.db,
              streamName,
              applyOrders,
              cache: new MemoryStatusCache(),
              logger,
              metrics: options.metrics,
              hooks: options.hooks,
              leaseTtlMs: 1_500,
              renewIntervalMs: 300,
              coordinateIntervalMs: 200,
              polling: {
                batchSize: options.batchSize ?? 500,
                minPollIntervalMs: 50,
                idleBackoffMinMs: 50,
                idleBackoffMaxMs: 200,
                errorBackoffMinMs: 50,
                errorBackoffMaxMs: 300,
              },
            }),
          );
          await worker.start();
          return worker;
        },
        close: async () => {
          await pool.killAll();
          await intake.close();
        },
      };
    },
    close: async () => {
      client.destroy();
      await kinesis.stop();
      await m.close();
    },
  };
}

export async function tableModeHarness(label: string, engine: DbEngine): Promise<ModeHarness> {
  const m = await migratedDatabase(label, 20, engine);
  return {
    mode: "table",
    engine,
    db: m.db,
    async newSystem(): Promise<SystemUnderTest> {
      const intake = new TableOrderIntake(m.db);
      const pool = workerPool();
      return {
        intake,
        startWorker: async (options: WorkerOptions = {}) => {
          const worker = pool.add(
            new TableOrderWorker({
              db: m.db,
              applyOrders,
              cache: new MemoryStatusCache(),
              logger,
              metrics: options.metrics,
              hooks: options.hooks,
              polling: {
                batchSize: options.batchSize ?? 500,
                idleBackoffMinMs: 20,
                idleBackoffMaxMs: 200,
                errorBackoffMinMs: 50,
                errorBackoffMaxMs: 300,
              },
            }),
          );
          await worker.start();
          return worker;
        },
        close: async () => {
          await pool.killAll();
          await intake.close();
        },
      };
    },
    close: () => m.close(),
  };
}
