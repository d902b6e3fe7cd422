/**
 * The system the benchmark drives, as child processes — never in the benchmark's own process, whose
 * event loop is busy generating load:
 *
 * - `in-process`: one child runs `fastcart local` (API, two workers and kinesalite share one event loop);
 * - `separate-kinesalite`: kinesalite runs in a second child and `fastcart local` uses it through
 *   KINESIS_ENDPOINT, so Kinesis emulation gets its own core's worth of event loop.
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
import pg from "pg";
import { ADMIN_SCOPE, mintToken } from "../src/api/auth.js";
import { READY_PATH, SERVICE_ENV } from "../src/contract.js";
import { freePort } from "../src/local/embedded-postgres.js";
import { type Child, startChild, stopChild, waitForHttp } from "./child-process.js";

export const LAYOUTS = ["in-process", "separate-kinesalite"] as const;
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
}

export interface RunningSystem {
  url: string;
  adminToken: string;
  readyMs: number;
  /** Process ids of the children, labelled ("system", "kinesalite"), for CPU accounting. */
  pids: Map<number, string>;
  /** Stops everything; returns the `local` child's shutdown time. */
  stop(): Promise<{ shutdownMs: number; exitCode: number | string; killed: boolean }>;
  logFiles: string[];
}

/** Creates a uniquely named database on the server at `serverUrl`; `drop` removes it. */
async function createFreshDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fastcart_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The parent's environment without any variable the service reads: the child gets only what we set. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(SERVICE_ENV)) delete env[name];
  return env;
}

/** kinesalite in a child process of its own (its CLI), on a free loopback port. */
export async function startKinesaliteChild(logDir: string): Promise<{ child: Child; endpoint: string }> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("kinesalite/package.json")), "cli.js");
  const port = await freePort();
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
  try {
    const env = cleanEnvironment();
    const port = await freePort();
    const secret = randomBytes(32).toString("base64url");
    Object.assign(env, { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", AUTH_JWT_SECRET: secret });

    if (options.database === "server") {
      if (!options.serverUrl) throw new Error("database=server needs DATABASE_URL (a PostgreSQL server URL)");
      const database = await createFreshDatabase(options.serverUrl);
      cleanups.push(database.drop);
      env.DATABASE_URL = database.url;
    }
    if (options.layout === "separate-kinesalite") {
      const kinesis = await startKinesaliteChild(options.logDir);
      logFiles.push(kinesis.child.logFile);
      if (kinesis.child.process.pid) pids.set(kinesis.child.process.pid, "kinesalite");
      cleanups.push(() => stopChild(kinesis.child, 5_000));
      env.KINESIS_ENDPOINT = kinesis.endpoint;
    }

    const nodeArgs = options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [];
    const system = startChild(
      "fastcart local",
      process.execPath,
      [...nodeArgs, "--import", "tsx", "src/main.ts", "local"],
      {
        cwd: SERVICE_DIR,
        env,
        logFile: join(options.logDir, "local.log"),
      },
    );
    logFiles.push(system.logFile);
    if (system.process.pid) pids.set(system.process.pid, "system");
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(system, `${url}${READY_PATH}`, 180_000);
    } catch (error) {
      await stopChild(system, 5_000);
      throw error;
    }
    const adminToken = await mintToken({
      secret,
      sub: "bench-admin",
      scopes: [ADMIN_SCOPE],
      ttlSeconds: 3_600,
    });
    return {
      url,
      adminToken,
      readyMs: Date.now() - started,
      logFiles,
      pids,
      stop: async () => {
        const stopped = await stopChild(system);
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
        return { shutdownMs: stopped.ms, exitCode: stopped.code, killed: stopped.killed };
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

/** A fresh directory for one scenario's logs (and profiles). */
export function scenarioDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fastcart-bench-${label}-`));
}
