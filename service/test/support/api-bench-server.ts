/**
 * Starts the API alone for a latency check of the accept path (not a test; run it by hand):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres [REDIS_URL=redis://127.0.0.1:6379/9] \
 *     node --import tsx test/support/api-bench-server.ts [kinesis|recording] [memo|no-memo]
 *
 * It prints one JSON line {url, token} and serves until SIGINT/SIGTERM. Drive it from another process
 * (so the load generator does not share the event loop), e.g.
 *   npx autocannon -c 32 -d 10 -m POST -H "authorization=Bearer $TOKEN" \
 *     -H content-type=application/json -b '{"customerId":"bench","currency":"EUR","items":[{"sku":"A","quantity":1}]}' $URL/orders
 *
 * `kinesis`: the real producer against in-process kinesalite (which then shares this process's CPU).
 * `recording`: an intake that acknowledges at once — the API's own cost, without any stream.
 * `no-memo`: verify every token with jose (no memo of verified tokens).
 */
import { pino } from "pino";
import { buildApp } from "../../src/api/app.js";
import { createTokenVerifier, memoizeVerifier, mintToken } from "../../src/api/auth.js";
import { createStatusCache } from "../../src/cache/index.js";
import { loadConfig } from "../../src/config.js";
import { createKinesisClient, ensureStream } from "../../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../../src/modes/stream/kinesis-intake.js";
import type { OrderIntake } from "../../src/modes/types.js";
import type { AcceptedOrder } from "../../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrations/index.js";
import { SqlOrderStore } from "../../src/store/order-store.js";
import { createMetrics } from "../../src/telemetry/metrics.js";
import { startLocalKinesis } from "../../tools/local/kinesalite.js";
import { TEST_JWT_SECRET } from "./api-harness.js";
import { createTestDatabase } from "./services.js";

const mode = process.argv[2] ?? "kinesis";
const memo = process.argv[3] !== "no-memo";

const testDb = await createTestDatabase("api_bench");
const config = loadConfig({
  DATABASE_URL: testDb.url,
  AUTH_JWT_SECRET: TEST_JWT_SECRET,
  KINESIS_ENDPOINT: "http://127.0.0.1:1",
});
const db = createDatabase(databaseConfigFromUrl(testDb.url, 10));
await migrate(db);
const store = new SqlOrderStore(db);

let stopKinesis = async () => {};
let intake: OrderIntake;
if (mode === "kinesis") {
  // BENCH_KINESIS_ENDPOINT: a kinesalite in another process (`npx kinesalite --port N`), so the
  // emulator's CPU is not charged to this event loop.
  let endpoint = process.env.BENCH_KINESIS_ENDPOINT;
  if (!endpoint) {
    const kinesis = await startLocalKinesis();
    stopKinesis = kinesis.stop;
    endpoint = kinesis.endpoint;
  }
  const client = createKinesisClient({ ...config.kinesis, endpoint, streamName: "api-bench" });
  await ensureStream(client, "api-bench", 2);
  intake = new KinesisOrderIntake(client, { streamName: "api-bench", closeClient: true });
} else {
  let count = 0;
  intake = {
    mode: "stream",
    submit: async (_order: AcceptedOrder) => {
      count += 1;
    },
    checkReady: async () => {},
    close: async () => {
      process.stderr.write(`recording intake acknowledged ${count} orders\n`);
    },
  };
}

// Redis when REDIS_URL is set (the production shape: one pipelined write per accepted order), else memory.
const redisUrl = process.env.REDIS_URL;
const cache = createStatusCache(redisUrl ? { url: redisUrl, tls: false } : undefined, {
  whenUnconfigured: "memory",
  keyPrefix: "api-bench:",
  ttlSeconds: 600,
});
const verify = createTokenVerifier(config.auth);
const app = await buildApp(
  {
    config,
    store,
    intake,
    cache,
    metrics: createMetrics({ processMetrics: false }),
    logger: pino({ level: "warn" }),
  },
  { verifyToken: memo ? memoizeVerifier(verify) : verify },
);
const url = await app.listen({ port: 0, host: "127.0.0.1" });
const token = await mintToken({ secret: TEST_JWT_SECRET, sub: "bench", ttlSeconds: 3600 });
process.stdout.write(`${JSON.stringify({ url, token, mode, memo })}\n`);

// CPU time per accepted order is the load-independent figure: on a shared machine latency depends on
// what else runs, CPU per request does not (much). Measured from after start-up to SIGINT.
const cpuAtStart = process.cpuUsage();
const metrics0 = await app.inject({ method: "GET", url: "/metrics" });
const acceptedAtStart = acceptedIn(metrics0.body);

function acceptedIn(exposition: string): number {
  const line = exposition.split("\n").find((l) => l.startsWith("orders_accepted_total"));
  return Number(line?.split(" ")[1] ?? 0);
}

const stop = async () => {
  const cpu = process.cpuUsage(cpuAtStart);
  const accepted = acceptedIn((await app.inject({ method: "GET", url: "/metrics" })).body) - acceptedAtStart;
  const micros = cpu.user + cpu.system;
  process.stderr.write(
    `${JSON.stringify({
      accepted,
      cpuSeconds: micros / 1e6,
      cpuMicrosPerOrder: accepted > 0 ? Math.round(micros / accepted) : null,
      ordersPerCpuSecond: micros > 0 ? Math.round(accepted / (micros / 1e6)) : null,
    })}\n`,
  );
  await app.close();
  await intake.close();
  await cache.close();
  await stopKinesis();
  await db.destroy();
  await testDb.drop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
