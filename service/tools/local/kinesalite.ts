import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import kinesalite from "kinesalite";
import { Gauge, type Registry } from "prom-client";
import {
  createKinesaliteWithStore,
  type TrimRequest,
  type TrimResult,
  trimCommittedRecords,
} from "./kinesalite-retention.js";
import type { ThreadData, ThreadReply, ThreadRequest } from "./kinesalite-thread.js";

/** Bytes of kinesalite's V8 heap in use and reserved; undefined when the thread did not answer within a second. */
export interface KinesaliteHeap {
  usedBytes: number;
  totalBytes: number;
}

/** A running in-memory Kinesis API server (kinesalite) on loopback. */
export interface LocalKinesis {
  /** http://127.0.0.1:PORT, for KINESIS_ENDPOINT. */
  readonly endpoint: string;
  /**
   * The V8 heap of kinesalite's own isolate (thread mode only). A worker thread's heap is not in the
   * process's nodejs_heap_* metrics, which see the main thread only; `fastcart local` publishes this as
   * local_kinesis_heap_bytes so a long run can tell kinesalite's memory from the service's.
   */
  heap?(): Promise<KinesaliteHeap | undefined>;
  /**
   * Deletes committed records older than the cut-off (kinesalite-retention.ts); what `fastcart local`'s
   * stream retention calls. Rejects when the store could not be read or written.
   */
  trimCommitted(request: TrimRequest): Promise<TrimResult>;
  stop(): Promise<void>;
}

export interface LocalKinesisOptions {
  port?: number;
  shardLimit?: number;
  /**
   * Run kinesalite on a worker thread of this process instead of its main event loop. kinesalite is
   * CPU-heavy (sequence numbers are big-number arithmetic on every record): on the main loop it takes
   * about a quarter of the local system's CPU away from the API and the workers; on its own thread it
   * uses the machine's other core. `fastcart local` uses a thread; tests use the main loop.
   */
  thread?: boolean;
  /**
   * Keep the records in LevelDB in a temporary directory (deleted on stop) instead of in memory.
   * kinesalite keeps every record it is given (it trims past-retention records only when a reader
   * walks over them, and retention is at least 24 h), so in memory its heap grows with every order
   * for as long as it runs — about 3 MB per 1,000 orders — and `npm start` at load would run out of
   * memory within hours; on disk the V8 heap stays flat and the files grow instead, until
   * `trimCommitted` deletes what the workers have committed (stream-retention.ts). `fastcart local`
   * uses disk; tests use memory (faster, short-lived).
   */
  onDisk?: boolean;
}

interface ServerOptions {
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  shardLimit: number;
  path?: string;
}

/** kinesalite's options: streams become ACTIVE at once, so start-up and tests never wait on them. */
const serverOptions = (shardLimit: number, path: string | undefined): ServerOptions => ({
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  shardLimit,
  ...(path === undefined ? {} : { path }),
});

/** Starts kinesalite on an ephemeral loopback port (or `port`). */
export async function startLocalKinesis(options: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  const port = options.port ?? 0;
  const shardLimit = options.shardLimit ?? 50;
  const path = options.onDisk ? await mkdtemp(join(tmpdir(), "fastcart-kinesalite-")) : undefined;
  const server = serverOptions(shardLimit, path);
  try {
    const started = options.thread ? await startOnThread(port, server) : await startOnMainLoop(port, server);
    if (path === undefined) return started;
    return {
      ...started,
      stop: async () => {
        await started.stop();
        await rm(path, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (path !== undefined) await rm(path, { recursive: true, force: true });
    throw error;
  }
}

async function startOnMainLoop(port: number, options: ServerOptions): Promise<LocalKinesis> {
  const { server, store } = createKinesaliteWithStore(kinesalite, options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    trimCommitted: (request) => trimCommittedRecords(store, request),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/**
 * The thread starts from this CommonJS line: it registers tsx (as bin/fastcart.js does for the main
 * thread) and imports the TypeScript program, kinesalite-thread.ts.
 */
const THREAD_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsx).then(({ register }) => { register(); return import(workerData.entry); });
`;
/** tsx as this module resolves it: an eval'd thread would resolve it from the working directory. */
const TSX_API = import.meta.resolve("tsx/esm/api");
const THREAD_ENTRY = new URL(
  `./kinesalite-thread${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

type Reply<Kind extends ThreadReply["kind"]> = Extract<ThreadReply, { kind: Kind }>;

async function startOnThread(port: number, options: ServerOptions): Promise<LocalKinesis> {
  const thread = new Worker(THREAD_BOOTSTRAP, {
    eval: true,
    execArgv: [],
    workerData: { tsx: TSX_API, entry: THREAD_ENTRY.href, port, options } satisfies ThreadData & {
      tsx: string;
      entry: string;
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    thread.once("message", (message: ThreadReply) =>
      message.kind === "listening"
        ? resolve(message.port)
        : reject(new Error(`kinesalite thread: ${message.kind === "failed" ? message.error : message.kind}`)),
    );
    thread.once("error", reject);
  }).catch(async (error: unknown) => {
    // A thread that could not listen still waits for "stop" messages: end it, or it keeps the
    // process alive after the start has already failed.
    await thread.terminate();
    throw error;
  });
  // Each request carries an id; one not answered in time is forgotten (its late reply finds no
  // waiter), so a thread that stops answering costs nothing per scrape.
  const waiters = new Map<number, (reply: ThreadReply | "exited" | undefined) => void>();
  let nextId = 0;
  let exited = false;
  thread.once("exit", () => {
    exited = true;
    for (const waiter of waiters.values()) waiter("exited");
    waiters.clear();
  });
  thread.on("message", (message: ThreadReply) => {
    if (!("id" in message)) return;
    waiters.get(message.id)?.(message);
    waiters.delete(message.id);
  });
  const ask = <Kind extends "heap" | "trim">(
    request: Omit<Extract<ThreadRequest, { kind: Kind }>, "id">,
    timeoutMs: number,
  ): Promise<Reply<Kind> | "exited" | "timed out"> =>
    new Promise((resolve) => {
      if (exited) return resolve("exited");
      const id = nextId++;
      const timer = setTimeout(() => {
        waiters.delete(id);
        resolve("timed out");
      }, timeoutMs);
      timer.unref();
      waiters.set(id, (answer) => {
        clearTimeout(timer);
        resolve((answer ?? "exited") as Reply<Kind> | "exited");
      });
      thread.postMessage({ ...request, id });
    });
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    heap: async () => {
      const answer = await ask<"heap">({ kind: "heap" }, 1_000);
      return typeof answer === "string"
        ? undefined
        : { usedBytes: answer.usedBytes, totalBytes: answer.totalBytes };
    },
    trimCommitted: async (request) => {
      const answer = await ask<"trim">({ kind: "trim", request }, TRIM_TIMEOUT_MS);
      if (answer === "exited") throw new Error("kinesalite thread has stopped");
      // The thread goes on with it; a trim asked for meanwhile deletes nothing until it is done.
      if (answer === "timed out")
        throw new Error(`kinesalite thread did not finish a trim within ${TRIM_TIMEOUT_MS / 1000} s`);
      if (answer.error !== undefined) throw new Error(`kinesalite thread: ${answer.error}`);
      return answer.result ?? { deleted: {}, mismatched: [] };
    },
    stop: async () => {
      // Close first so an on-disk store is flushed and released; terminate regardless after a while.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        thread.on("message", (message: ThreadReply) => {
          if (message.kind === "stopped") {
            clearTimeout(timer);
            resolve();
          }
        });
        thread.postMessage({ kind: "stop" } satisfies ThreadRequest);
      });
      await thread.terminate();
    },
  };
}

/** A trim walks keys and compacts on disk; a minute means the thread is stuck, not slow. */
const TRIM_TIMEOUT_MS = 60_000;

/**
 * Publishes kinesalite's heap (thread mode) on the local system's /metrics as
 * local_kinesis_heap_bytes{kind="used"|"total"}: read at each scrape, absent while the thread does not
 * answer.
 */
export function registerKinesaliteHeapGauge(registry: Registry, kinesis: LocalKinesis): void {
  const heap = kinesis.heap;
  if (!heap) return;
  new Gauge({
    name: "local_kinesis_heap_bytes",
    help: "V8 heap of the local kinesalite thread (fastcart local only): used and total (reserved) bytes.",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const reading = await heap();
      if (!reading) return;
      this.set({ kind: "used" }, reading.usedBytes);
      this.set({ kind: "total" }, reading.totalBytes);
    },
  });
}
