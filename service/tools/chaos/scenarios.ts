/**
 * The chaos scenarios: each runs the real system (API and two workers as child processes, private
 * PostgreSQL, kinesalite and Redis), puts a bounded load of orders through the API, injects one kind
 * of fault while the load runs, and returns the verdict (0 lost, 0 decided twice, stock exact) with
 * its figures.
 */
import { randomBytes } from "node:crypto";
import { mintToken } from "../../src/api/auth.js";
import { createKinesisClient, ensureStream } from "../../src/modes/stream/kinesis-client.js";
import { createDatabase, databaseConfigFromUrl } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrations/index.js";
import { type LoadResult, passed, runLoad, type Verdict, verify } from "./orders.js";
import {
  type KinesisProcess,
  type PrivatePostgres,
  type RedisProcess,
  ServiceProcess,
  sleep,
  waitForPort,
} from "./stack.js";

export interface Stack {
  pg: PrivatePostgres;
  kinesis: KinesisProcess;
  redis: RedisProcess;
  apiPort: number;
  workerPorts: [number, number];
}

export interface ScenarioRun {
  api: ServiceProcess;
  workers: ServiceProcess[];
  stack: Stack;
  startApi(): Promise<ServiceProcess>;
  startWorker(index: number): ServiceProcess;
}

export interface Scenario {
  name: string;
  what: string;
  /** Injected once, when 30 % of the orders have been accepted; returns what it did, for the report. */
  fault(run: ScenarioRun, short: boolean): Promise<string>;
}

export interface ScenarioResult {
  name: string;
  fault: string;
  load: LoadResult;
  verdict: Verdict;
  ok: boolean;
  seconds: number;
}

const SECRET = "chaos-secret-0123456789abcdef-0123456789abcdef";

export const SCENARIOS: Scenario[] = [
  {
    name: "worker-sigkill",
    what: "SIGKILL a random worker at random moments (1.5–3 s apart) and start a replacement",
    async fault(run, short) {
      const kills = short ? 1 : 4;
      for (let k = 0; k < kills; k++) {
        await sleep(1_500 + Math.random() * 1_500);
        const index = Math.floor(Math.random() * run.workers.length);
        await run.workers[index]!.stop("SIGKILL");
        run.workers[index] = run.startWorker(index);
      }
      return `${kills} worker SIGKILL(s)`;
    },
  },
  {
    name: "postgres-restart",
    what: "restart the private PostgreSQL (fast shutdown, 2 s down, same data)",
    async fault(run) {
      await run.stack.pg.restart(2_000);
      return "PostgreSQL down 2 s";
    },
  },
  {
    name: "kinesis-restart",
    what: "SIGKILL kinesalite and start it again on its leveldb data (2 s down)",
    async fault(run) {
      await run.stack.kinesis.restart(2_000);
      return "Kinesis down 2 s";
    },
  },
  {
    name: "redis-down",
    what: "stop the private redis-server for 4 s, then start an empty one",
    async fault(run) {
      await run.stack.redis.stop();
      await sleep(4_000);
      await run.stack.redis.start();
      return "Redis down 4 s (restarted empty)";
    },
  },
  {
    name: "api-sigterm",
    what: "SIGTERM the API under load (it drains) and start a new one on the same port",
    async fault(run) {
      const started = Date.now();
      await run.api.stop("SIGTERM");
      const drainedMs = Date.now() - started;
      run.api = await run.startApi();
      return `API drained in ${drainedMs} ms, replaced`;
    },
  },
];

async function ready(port: number, timeoutMs = 90_000): Promise<void> {
  await waitForPort(port, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
    if (res?.status === 200) return;
    await sleep(300);
  }
  throw new Error(`API on ${port} not ready after ${timeoutMs} ms`);
}

export async function runScenario(
  scenario: Scenario,
  stack: Stack,
  options: { orders: number; short: boolean; log: (line: string) => void },
): Promise<ScenarioResult> {
  const started = Date.now();
  const streamName = `chaos-${scenario.name}-${randomBytes(3).toString("hex")}`;
  const client = createKinesisClient({
    streamName,
    region: "eu-central-1",
    endpoint: stack.kinesis.endpoint,
  });
  await ensureStream(client, streamName, 2);
  client.destroy();
  const db = createDatabase(databaseConfigFromUrl(stack.pg.url, 4));
  await migrate(db);
  const skus = [0, 1, 2, 3].map((i) => `CHAOS-${streamName}-${i}`.slice(0, 64));
  // Stock for about half the ordered quantity: rejections happen, so "stock exact" means something.
  const initialStock = new Map(skus.map((sku) => [sku, Math.ceil(options.orders / skus.length)]));
  for (const [sku, stock] of initialStock) {
    await db
      .insertInto("products")
      .values({ sku, name: sku, unit_price: 100, currency: "EUR", stock, updated_at: new Date() })
      .execute();
  }
  const env = {
    DATABASE_URL: stack.pg.url,
    KINESIS_ENDPOINT: stack.kinesis.endpoint,
    KINESIS_STREAM_NAME: streamName,
    AWS_REGION: "eu-central-1",
    AUTH_JWT_SECRET: SECRET,
    REDIS_URL: stack.redis.url,
    HOST: "127.0.0.1",
    INTAKE_MODE: "stream",
    WORKER_BATCH_SIZE: "100",
  };
  const startWorker = (index: number) =>
    ServiceProcess.start("work", { ...env, PORT: String(stack.workerPorts[index]) });
  const startApi = async () => {
    const api = ServiceProcess.start("serve", { ...env, PORT: String(stack.apiPort) });
    await ready(stack.apiPort);
    return api;
  };
  const run: ScenarioRun = {
    api: await startApi(),
    workers: [startWorker(0), startWorker(1)],
    stack,
    startApi,
    startWorker,
  };
  try {
    const token = await mintToken({ secret: SECRET, sub: "chaos-customer", ttlSeconds: 3_600 });
    let fault: Promise<string> | undefined;
    const load = await runLoad({
      apiUrl: () => `http://127.0.0.1:${stack.apiPort}`,
      token,
      customerId: "chaos-customer",
      skus,
      orders: options.orders,
      concurrency: 8,
      deadlineMs: 240_000,
      spreadMs: options.short ? 8_000 : 20_000,
      onProgress: (fraction) => {
        if (fraction < 0.3 || fault) return;
        options.log(`  ${scenario.name}: injecting — ${scenario.what}`);
        fault = scenario.fault(run, options.short);
      },
    });
    const faultDone = fault ? await fault : "no fault (load ended first)";
    const verdict = await verify(db, load, initialStock, 180_000);
    return {
      name: scenario.name,
      fault: faultDone,
      load,
      verdict,
      ok: passed(verdict, load) && fault !== undefined,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all([run.api.stop("SIGTERM"), ...run.workers.map((w) => w.stop("SIGTERM"))]);
    await db.destroy();
  }
}
