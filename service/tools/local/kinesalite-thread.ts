/**
 * The program of kinesalite's worker thread (tools/local/kinesalite.ts, thread mode): serves the
 * Kinesis API on loopback and answers the parent's messages — its V8 heap (which the process's own
 * metrics cannot see), trims of committed records, and stop.
 */

import type { Server } from "node:http";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import {
  createKinesaliteWithStore,
  type TrimRequest,
  type TrimResult,
  trimCommittedRecords,
} from "./kinesalite-retention.js";

/** What the parent sends. */
export type ThreadRequest =
  | { kind: "stop" }
  | { kind: "heap"; id: number }
  | { kind: "trim"; id: number; request: TrimRequest };

/** What the thread sends: the bound port (or why it could not listen), then replies by request id. */
export type ThreadReply =
  | { kind: "listening"; port: number }
  | { kind: "failed"; error: string }
  | { kind: "stopped" }
  | { kind: "heap"; id: number; usedBytes: number; totalBytes: number }
  | { kind: "trim"; id: number; result?: TrimResult; error?: string };

export interface ThreadData {
  port: number;
  options: object;
}

/** A trim still running when the next request comes (one the parent gave up waiting for). */
let trimming: Promise<TrimResult> | undefined;

const parent = parentPort;
if (!parent) throw new Error("kinesalite-thread.ts runs as a worker thread (see tools/local/kinesalite.ts)");
const reply = (message: ThreadReply) => parent.postMessage(message);
const { port, options } = workerData as ThreadData;
const kinesalite = createRequire(import.meta.url)("kinesalite") as (options: object) => Server;
const { server, store } = createKinesaliteWithStore(kinesalite, options);

server.once("error", (error) => reply({ kind: "failed", error: String(error) }));
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  reply({ kind: "listening", port: typeof address === "object" && address ? address.port : port });
});

parent.on("message", (message: ThreadRequest) => {
  if (message.kind === "stop") {
    server.close(() => reply({ kind: "stopped" }));
  } else if (message.kind === "heap") {
    const { heapUsed, heapTotal } = process.memoryUsage();
    reply({ kind: "heap", id: message.id, usedBytes: heapUsed, totalBytes: heapTotal });
  } else if (message.kind === "trim") {
    // One trim at a time: a request that arrives while one runs deletes nothing (the next one after
    // it catches up), so two walks and compactions never run side by side.
    if (trimming) {
      reply({ kind: "trim", id: message.id, result: { deleted: {}, mismatched: [] } });
      return;
    }
    trimming = trimCommittedRecords(store, message.request);
    trimming
      .then(
        (result) => reply({ kind: "trim", id: message.id, result }),
        (error: unknown) => reply({ kind: "trim", id: message.id, error: String(error) }),
      )
      .finally(() => {
        trimming = undefined;
      });
  }
});
