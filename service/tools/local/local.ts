/**
 * `fastcart local` (what `npm start` runs): the whole system in one process on embedded defaults —
 * embedded PostgreSQL, kinesalite (in-process Kinesis), the in-memory status cache, migrations, a
 * demo catalog, the API and two worker loops. DATABASE_URL, KINESIS_ENDPOINT, REDIS_URL and
 * AUTH_JWT_SECRET, when set, are used instead of the embedded defaults. Ctrl-C stops everything and
 * removes the temporary data. With INTAKE_MODE=table there is no stream: kinesalite is not started and
 * the workers claim PENDING rows.
 */
import { randomBytes } from "node:crypto";
import { ADMIN_SCOPE, mintToken } from "../../src/api/auth.js";
import { type Env, loadConfig } from "../../src/config.js";
import { Lifecycle } from "../../src/lifecycle.js";
import { intakeModeFor } from "../../src/modes/index.js";
import { runMigrations } from "../../src/roles/migrate.js";
import { startApi } from "../../src/roles/serve.js";
import { startWorkers } from "../../src/roles/work.js";
import { closeRuntime, openRuntime } from "../../src/runtime.js";
import { LeaseStore } from "../../src/store/leases.js";
import { createLogger, type Logger } from "../../src/telemetry/logger.js";
import { seedDemoCatalog } from "./demo-catalog.js";
import { startLocalPostgres } from "./embedded-postgres.js";
import { type LocalKinesis, registerKinesaliteHeapGauge, startLocalKinesis } from "./kinesalite.js";
import { DEFAULT_STREAM_RETENTION_MINUTES, startStreamRetention } from "./stream-retention.js";

/** Shards of the local stream: the same as the fastcart-dev stack. */
export const LOCAL_SHARDS = 2;
/** Worker loops in the local process: two, so lease balancing is exercised on every laptop. */
export const LOCAL_WORKERS = 2;

/** What a caller (the benchmark) may change about the local system; `npm start` uses the defaults. */
export interface LocalOptions {
  handleSignals?: boolean;
  /** Shards of the local stream (default LOCAL_SHARDS). */
  shards?: number;
  /** Worker loops (default LOCAL_WORKERS). */
  workers?: number;
  /** Ports of the embedded servers (default: free ones), so a caller can keep every server in a range. */
  kinesisPort?: number;
  postgresPort?: number;
  /**
   * Minutes a record the workers committed stays in the local stream (default
   * DEFAULT_STREAM_RETENTION_MINUTES): see stream-retention.ts. Only for the embedded kinesalite.
   */
  streamRetentionMinutes?: number;
}

export interface LocalSystem {
  url: string;
  adminToken: string;
  customerToken: string;
  lifecycle: Lifecycle;
}

function step(message: string) {
  process.stderr.write(`  • ${message}\n`);
}

/** Raised when a signal arrives during start-up; everything started so far has been stopped. */
class StartAbortedError extends Error {
  constructor() {
    super("start-up interrupted by a signal; everything started so far was stopped");
    this.name = "StartAbortedError";
  }
}

/**
 * Starts everything; resolves once the API answers and workers run. Each part registers its shutdown
 * step the moment it has started, so a failure or a signal part-way through start-up stops exactly
 * what was started (and removes the temporary database) instead of leaking it.
 */
export async function startLocal(env: Env, options: LocalOptions = {}): Promise<LocalSystem> {
  const shards = options.shards ?? LOCAL_SHARDS;
  const workerCount = options.workers ?? LOCAL_WORKERS;
  const localEnv: Env = { ...env };
  localEnv.LOG_LEVEL ??= "warn";
  localEnv.AWS_REGION ??= "eu-central-1";
  localEnv.PORT ??= "3000";
  localEnv.HOST ??= "127.0.0.1";
  localEnv.AUTH_JWT_SECRET ??= randomBytes(32).toString("base64url");
  // A laptop's dashboard opens without a token; a deployed one asks for an admin token.
  localEnv.DASHBOARD_AUTH ??= "none";
  // Validate before starting anything: a bad PORT should not cost an embedded database start.
  const validated = loadConfig({
    ...localEnv,
    DATABASE_URL: localEnv.DATABASE_URL ?? "postgres://embedded/fastcart",
  });
  const logger: Logger = createLogger(validated);
  const lifecycle = new Lifecycle(logger);
  if (options.handleSignals) lifecycle.handleSignals();
  const checkpoint = () => {
    if (lifecycle.stopping) throw new StartAbortedError();
  };

  try {
    if (!localEnv.DATABASE_URL) {
      step("starting embedded PostgreSQL…");
      const pg = await startLocalPostgres({ port: options.postgresPort });
      lifecycle.onShutdown("embedded PostgreSQL", pg.stop);
      localEnv.DATABASE_URL = pg.url;
    } else {
      step("using DATABASE_URL");
    }
    checkpoint();
    // Table mode (INTAKE_MODE=table, as on stack orders-api-prod) queues orders in the database: no stream.
    const mode = intakeModeFor(validated.intakeMode);
    let localKinesis: LocalKinesis | undefined;
    if (!mode.localNeeds.kinesis) {
      step(`${mode.name} mode: orders are queued as PENDING rows (no stream)`);
    } else if (!localEnv.KINESIS_ENDPOINT) {
      step(
        `starting kinesalite (in-process Kinesis, on its own thread, records on disk; committed records kept ${options.streamRetentionMinutes ?? DEFAULT_STREAM_RETENTION_MINUTES} min)…`,
      );
      // On disk: in memory kinesalite's heap grows with every record for as long as it runs.
      const kinesis = await startLocalKinesis({ thread: true, onDisk: true, port: options.kinesisPort });
      lifecycle.onShutdown("kinesalite", kinesis.stop);
      localEnv.KINESIS_ENDPOINT = kinesis.endpoint;
      localKinesis = kinesis;
    } else {
      step(`using KINESIS_ENDPOINT ${localEnv.KINESIS_ENDPOINT}`);
    }
    checkpoint();

    const config = loadConfig(localEnv);
    step("applying migrations…");
    await runMigrations(config, logger);
    await mode.prepareLocal(config, shards);
    checkpoint();

    const runtime = openRuntime(config, logger, { cacheFallback: "memory" });
    lifecycle.onShutdown("runtime", () => closeRuntime(runtime));
    if (localKinesis) {
      registerKinesaliteHeapGauge(runtime.metrics.registry, localKinesis);
      const retention = startStreamRetention({
        kinesis: localKinesis,
        leases: new LeaseStore(runtime.store.db, {
          streamName: config.kinesis.streamName,
          workerId: "local-stream-retention",
        }),
        retentionMs: (options.streamRetentionMinutes ?? DEFAULT_STREAM_RETENTION_MINUTES) * 60_000,
        logger,
        registry: runtime.metrics.registry,
      });
      lifecycle.onShutdown("local stream retention", retention.stop);
    }
    const seeded = await seedDemoCatalog(runtime.store);
    step(`demo catalog: ${seeded} products added`);
    checkpoint();
    step(`starting ${workerCount} workers and the API…`);
    // One shard each: both loops start together, so without the cap the first would take both shards
    // and the second would steal one back, rolling back the first batch (harmless, but noisy).
    // In this one process the API and the workers share one registry, so the mode can count pending
    // orders even where a deployed fleet cannot (stream mode: there it is IteratorAge, see the README).
    const workers = await startWorkers(runtime, workerCount, {
      maxLeasesPerWorker: Math.ceil(shards / workerCount),
      pendingScope: "process",
    });
    lifecycle.onShutdown("workers", workers.stop);
    checkpoint();
    const api = await startApi(runtime, { pendingScope: "process" });
    lifecycle.onShutdown("api", api.close);
    checkpoint();

    const secret = config.auth.jwtSecret!;
    const day = 86_400;
    const adminToken = await mintToken({
      secret,
      sub: "local-admin",
      scopes: [ADMIN_SCOPE],
      ttlSeconds: day,
    });
    const customerToken = await mintToken({ secret, sub: "customer-1", ttlSeconds: day });
    return { url: api.url, adminToken, customerToken, lifecycle };
  } catch (error) {
    // Stop whatever did start (a no-op wait when a signal already began the shutdown).
    await lifecycle.shutdown().catch(() => {});
    throw error;
  }
}

export function banner(system: LocalSystem): string {
  const { url, adminToken, customerToken } = system;
  return [
    "",
    `FastCart Orders is running at ${url}`,
    `  dashboard:       ${url}/dashboard`,
    `  API docs:        ${url}/docs`,
    `  health/metrics:  ${url}/health  ${url}/ready  ${url}/metrics`,
    "",
    `  admin token (scope admin, 24 h):`,
    `    export ADMIN_TOKEN=${adminToken}`,
    `  customer token (sub customer-1, 24 h):`,
    `    export CUSTOMER_TOKEN=${customerToken}`,
    "",
    "  place an order, then read it back:",
    `    curl -s -X POST ${url}/orders -H "Authorization: Bearer $CUSTOMER_TOKEN" \\`,
    `      -H 'Content-Type: application/json' \\`,
    `      -d '{"customerId":"customer-1","currency":"EUR","items":[{"sku":"TSHIRT-BLK-M","quantity":2}]}'`,
    `    curl -s ${url}/orders/<orderId> -H "Authorization: Bearer $CUSTOMER_TOKEN"`,
    "",
    `  smoke test:  npx fastcart smoke --url ${url} --token "$ADMIN_TOKEN" --customer-token "$CUSTOMER_TOKEN"`,
    `  load it:     npx fastcart load --url ${url} --token "$ADMIN_TOKEN" --duration 30`,
    "  Ctrl-C stops everything and removes the temporary data.",
    "",
  ].join("\n");
}
