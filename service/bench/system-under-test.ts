/**
 * The system the benchmark drives, as child processes — never in the benchmark's own process, whose
 * event loop is busy generating load:
 *
 * - `in-process`: one child runs `fastcart local` (API, two workers and kinesalite share one event loop);
 * - `separate-kinesalite`: kinesalite runs in a second child and `fastcart local` uses it through
 *   KINESIS_ENDPOINT, so Kinesis emulation gets its own core's worth of event loop;
 * - `split-roles`: the production topology — `fastcart migrate`, then `fastcart serve` (API) and
 *   `fastcart work` (two worker loops) as separate processes, kinesalite in a third; the API and the
 *   workers no longer share an event loop. (No status cache: serve and work share no memory, and no
 *   Redis is used here; the load only writes.)
 *
 * PostgreSQL is embedded (started by `local`) unless a server URL is given, in which case a fresh
 * database is created on it for the run and dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_SCOPE, mintToken } from "../src/api/auth.js";
import { HEALTH_PATH, METRICS_PATH, READY_PATH, SERVICE_ENV } from "../src/contract.js";
import { createKinesisClient, ensureStream } from "../src/modes/stream/kinesis-client.js";
import { startLocalPostgres } from "../tools/local/embedded-postgres.js";
import { type Child, startChild, stopChild, waitForHttp } from "./child-process.js";
import type { PortSource } from "./ports.js";
import { createScratchDatabase } from "./scratch-database.js";

export const LAYOUTS = ["in-process", "separate-kinesalite", "split-roles"] as const;
export type Layout = (typeof LAYOUTS)[number];
export const DATABASES = ["embedded", "server"] as const;
export type DatabaseChoice = (typeof DATABASES)[number];

/** The service workspace (cwd of the child, so `src/main.ts` and tsx resolve as in `npm start`). */
export const SERVICE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface SystemOptions {
  layout: Layout;
  database: DatabaseChoice;
  /** postgres:// URL of a server to create the fresh database on (database "server"). */
  serverUrl?: string;
  /** Write a V8 CPU profile of the `local` child into this directory. */
  cpuProfileDir?: string;
  /** Directory for the children's log files. */
  logDir: string;
  /** Where every server's port comes from (--port-base). */
  ports: PortSource;
  /** Stream shards and worker loops. */
  shards: number;
  workers: number;
  /** INTAKE_MODE of the system. */
  mode: "stream" | "table";
  /** KINESIS_AGGREGATION of the system (stream mode). */
  aggregate: boolean;
  /** Lifetime of the admin token the load uses (default 1 h; a soak of hours needs longer). */
  tokenTtlSeconds?: number;
  /** `fastcart local --stream-retention` of the in-process system (default: its own). */
  streamRetentionMinutes?: number;
}

export interface RunningSystem {
  url: string;
  /** Every /metrics endpoint of the system (the API's; with split roles, the workers' too). */
  metricsUrls: string[];
  adminToken: string;
  readyMs: number;
  /** Process ids of the children, labelled ("system", "kinesalite"), for CPU accounting. */
  pids: Map<number, string>;
  /** Each service process's /metrics, by label (event-loop delay, RSS). */
  processMetrics: Map<string, string>;
  /** The system's database, when this process knows it (server, or split roles): for --prefill. */
  databaseUrl?: string;
  /** Stops everything; returns the `local` child's shutdown time. */
  stop(): Promise<{ shutdownMs: number; exitCode: number | string; killed: boolean }>;
  logFiles: string[];
}

/** The parent's environment without any variable the service reads: the child gets only what we set. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(SERVICE_ENV)) delete env[name];
  return env;
}

/** kinesalite in a child process of its own (its CLI), on a free loopback port. */
export async function startKinesaliteChild(
  logDir: string,
  ports: PortSource,
): Promise<{ child: Child; endpoint: string }> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("kinesalite/package.json")), "cli.js");
  const port = await ports.next("kinesalite");
  const child = startChild(
    "kinesalite",
    process.execPath,
    [cli, "--port", String(port), "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0"],
    { cwd: SERVICE_DIR, env: cleanEnvironment(), logFile: join(logDir, "kinesalite.log") },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  // Kinesalite answers any GET with 400 (no action): wait until the port accepts connections.
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`kinesalite did not listen on ${endpoint}: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { child, endpoint };
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const started = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const logFiles: string[] = [];
  const pids = new Map<number, string>();
  const nodeArgs = options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [];
  const processMetrics = new Map<string, string>();
  let databaseUrl: string | undefined;
  const fastcart = (role: string, env: NodeJS.ProcessEnv, label = role, script = ["src/main.ts", role]) => {
    const child = startChild(
      `fastcart ${role}`,
      process.execPath,
      [...nodeArgs, "--import", "tsx", ...script],
      {
        cwd: SERVICE_DIR,
        env,
        logFile: join(options.logDir, `${label}.log`),
      },
    );
    logFiles.push(child.logFile);
    if (child.process.pid) pids.set(child.process.pid, label);
    return child;
  };
  try {
    const env = cleanEnvironment();
    const secret = randomBytes(32).toString("base64url");
    Object.assign(env, {
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      AUTH_JWT_SECRET: secret,
      INTAKE_MODE: options.mode,
      KINESIS_AGGREGATION: String(options.aggregate),
    });

    if (options.database === "server") {
      if (!options.serverUrl) throw new Error("database=server needs DATABASE_URL (a PostgreSQL server URL)");
      const database = await createScratchDatabase(options.serverUrl);
      cleanups.push(database.drop);
      env.DATABASE_URL = database.url;
    } else if (options.layout === "split-roles") {
      // `local` starts embedded PostgreSQL itself; for separate roles this process does.
      const embedded = await startLocalPostgres({ port: await options.ports.next("embedded PostgreSQL") });
      cleanups.push(embedded.stop);
      env.DATABASE_URL = embedded.url;
    }
    databaseUrl = env.DATABASE_URL;
    if (options.layout !== "in-process" && options.mode === "stream") {
      const kinesis = await startKinesaliteChild(options.logDir, options.ports);
      logFiles.push(kinesis.child.logFile);
      if (kinesis.child.process.pid) pids.set(kinesis.child.process.pid, "kinesalite");
      cleanups.push(() => stopChild(kinesis.child, 5_000));
      env.KINESIS_ENDPOINT = kinesis.endpoint;
    }

    const apiPort = await options.ports.next("the API");
    const url = `http://127.0.0.1:${apiPort}`;
    const processes: Child[] = [];
    const metricsUrls = [`${url}${METRICS_PATH}`];
    if (options.layout === "split-roles") {
      // What ECS runs: a one-off migrate task, then the API and the workers as separate processes.
      if (options.mode === "stream") {
        const streamName = "fastcart-orders";
        const client = createKinesisClient({
          streamName,
          region: "eu-central-1",
          endpoint: env.KINESIS_ENDPOINT,
        });
        try {
          await ensureStream(client, streamName, options.shards);
        } finally {
          client.destroy();
        }
      }
      const migrate = startChild(
        "fastcart migrate",
        process.execPath,
        ["--import", "tsx", "src/main.ts", "migrate"],
        {
          cwd: SERVICE_DIR,
          env,
          logFile: join(options.logDir, "migrate.log"),
        },
      );
      const migrated = await migrate.exited;
      if (migrated !== 0) throw new Error(`fastcart migrate exited ${migrated}:\n${await migrate.tail()}`);
      const workPort = await options.ports.next("the worker's probe");
      const work = fastcart("work", {
        ...env,
        PORT: String(workPort),
        WORKER_CONCURRENCY: String(options.workers),
      });
      const serve = fastcart("serve", { ...env, PORT: String(apiPort) });
      processes.push(serve, work);
      metricsUrls.push(`http://127.0.0.1:${workPort}${METRICS_PATH}`);
      processMetrics.set("serve", `${url}${METRICS_PATH}`);
      processMetrics.set("work", `http://127.0.0.1:${workPort}${METRICS_PATH}`);
      await Promise.all([
        waitForHttp(serve, `${url}${READY_PATH}`, 180_000),
        waitForHttp(work, `http://127.0.0.1:${workPort}${HEALTH_PATH}`, 180_000),
      ]);
    } else {
      // What `npm start` runs, with this run's shard and worker counts and ports.
      const embeddedPorts =
        env.DATABASE_URL === undefined
          ? ["--postgres-port", String(await options.ports.next("embedded PostgreSQL"))]
          : [];
      const kinesisPorts =
        options.mode === "stream" && env.KINESIS_ENDPOINT === undefined
          ? ["--kinesis-port", String(await options.ports.next("kinesalite"))]
          : [];
      const system = fastcart("local", { ...env, PORT: String(apiPort) }, "system", [
        "bench/local-system.ts",
        "--shards",
        String(options.shards),
        "--workers",
        String(options.workers),
        ...embeddedPorts,
        ...kinesisPorts,
        ...(options.streamRetentionMinutes === undefined
          ? []
          : ["--stream-retention", String(options.streamRetentionMinutes)]),
      ]);
      processes.push(system);
      processMetrics.set("system", `${url}${METRICS_PATH}`);
      await waitForHttp(system, `${url}${READY_PATH}`, 180_000);
    }
    const adminToken = await mintToken({
      secret,
      sub: "bench-admin",
      scopes: [ADMIN_SCOPE],
      ttlSeconds: options.tokenTtlSeconds ?? 3_600,
    });
    return {
      url,
      adminToken,
      metricsUrls,
      readyMs: Date.now() - started,
      logFiles,
      pids,
      processMetrics,
      databaseUrl,
      stop: async () => {
        // All service processes get SIGTERM at once, as ECS does when a service scales in or stops.
        const stopped = await Promise.all(processes.map((child) => stopChild(child)));
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
        const failed = stopped.find((result) => result.code !== 0);
        return {
          shutdownMs: Math.max(...stopped.map((result) => result.ms)),
          exitCode: failed?.code ?? 0,
          killed: stopped.some((result) => result.killed),
        };
      },
    };
  } catch (error) {
    for (const [pid] of pids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

/** A fresh directory for one scenario's logs (and profiles). */
export function scenarioDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fastcart-bench-${label}-`));
}
