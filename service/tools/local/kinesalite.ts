import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import kinesalite from "kinesalite";
import { Gauge, type Registry } from "prom-client";

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
   * memory within hours; on disk its RSS stays flat (LevelDB's bounded cache) and the disk use grows
   * instead. `fastcart local` uses disk; tests use memory (faster, short-lived).
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
  const server = kinesalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** The thread's program: plain CommonJS (kinesalite is a CommonJS package), given the module's path. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const server = require(workerData.modulePath)(workerData.options);
server.once("error", (error) => parentPort.postMessage({ error: String(error) }));
server.listen(workerData.port, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message === "stop") server.close(() => parentPort.postMessage({ stopped: true }));
  if (message && message.heapRequest !== undefined) {
    const { heapUsed, heapTotal } = process.memoryUsage();
    parentPort.postMessage({ heapReply: message.heapRequest, heap: { usedBytes: heapUsed, totalBytes: heapTotal } });
  }
});
`;

async function startOnThread(port: number, options: ServerOptions): Promise<LocalKinesis> {
  const modulePath = createRequire(import.meta.url).resolve("kinesalite");
  const thread = new Worker(THREAD_SOURCE, {
    eval: true,
    // The thread runs plain CommonJS; it needs none of the parent's loaders (tsx).
    execArgv: [],
    workerData: { modulePath, port, options },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    thread.once("message", (message: { port?: number; error?: string }) =>
      message.port ? resolve(message.port) : reject(new Error(`kinesalite thread: ${message.error}`)),
    );
    thread.once("error", reject);
  }).catch(async (error: unknown) => {
    // A thread that could not listen still waits for "stop" messages: end it, or it keeps the
    // process alive after the start has already failed.
    await thread.terminate();
    throw error;
  });
  // Each heap request carries an id; one not answered within a second is forgotten (its late reply
  // finds no waiter), so a thread that stops answering costs nothing per scrape.
  const heapWaiters = new Map<number, (heap: KinesaliteHeap | undefined) => void>();
  let nextHeapRequest = 0;
  let exited = false;
  thread.once("exit", () => {
    exited = true;
    for (const waiter of heapWaiters.values()) waiter(undefined);
    heapWaiters.clear();
  });
  thread.on("message", (message: { heapReply?: number; heap?: KinesaliteHeap }) => {
    if (message.heapReply === undefined) return;
    heapWaiters.get(message.heapReply)?.(message.heap);
    heapWaiters.delete(message.heapReply);
  });
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    heap: () =>
      new Promise((resolve) => {
        if (exited) return resolve(undefined);
        const id = nextHeapRequest++;
        const timer = setTimeout(() => {
          heapWaiters.delete(id);
          resolve(undefined);
        }, 1_000);
        timer.unref();
        heapWaiters.set(id, (heap) => {
          clearTimeout(timer);
          resolve(heap);
        });
        thread.postMessage({ heapRequest: id });
      }),
    stop: async () => {
      // Close first so an on-disk store is flushed and released; terminate regardless after a while.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        thread.on("message", (message: { stopped?: boolean }) => {
          if (message.stopped) {
            clearTimeout(timer);
            resolve();
          }
        });
        thread.postMessage("stop");
      });
      await thread.terminate();
    },
  };
}

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
