import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import kinesalite from "kinesalite";

/** A running in-memory Kinesis API server (kinesalite) on loopback. */
export interface LocalKinesis {
  /** http://127.0.0.1:PORT, for KINESIS_ENDPOINT. */
  readonly endpoint: string;
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
}

/** kinesalite's options: streams become ACTIVE at once, so start-up and tests never wait on them. */
const serverOptions = (shardLimit: number) => ({
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  shardLimit,
});

/** Starts kinesalite on an ephemeral loopback port (or `port`). */
export async function startLocalKinesis(options: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  const port = options.port ?? 0;
  const shardLimit = options.shardLimit ?? 50;
  return options.thread ? startOnThread(port, shardLimit) : startOnMainLoop(port, shardLimit);
}

async function startOnMainLoop(port: number, shardLimit: number): Promise<LocalKinesis> {
  const server = kinesalite(serverOptions(shardLimit));
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
`;

async function startOnThread(port: number, shardLimit: number): Promise<LocalKinesis> {
  const modulePath = createRequire(import.meta.url).resolve("kinesalite");
  const thread = new Worker(THREAD_SOURCE, {
    eval: true,
    // The thread runs plain CommonJS; it needs none of the parent's loaders (tsx).
    execArgv: [],
    workerData: { modulePath, port, options: serverOptions(shardLimit) },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    thread.once("message", (message: { port?: number; error?: string }) =>
      message.port ? resolve(message.port) : reject(new Error(`kinesalite thread: ${message.error}`)),
    );
    thread.once("error", reject);
  });
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: async () => {
      await thread.terminate();
    },
  };
}
