/**
 * The program of kinesalite's worker thread (tools/local/kinesalite.ts, thread mode): serves the
 * Kinesis API on loopback and answers the parent's messages — its V8 heap (which the process's own
 * metrics cannot see), trims of committed records, and stop.
 */

import type { Server } from "node:http";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { createKinesaliteWithStore, type TrimRequest, trimCommittedRecords } from "./kinesalite-retention.js";

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
  | { kind: "trim"; id: number; deleted?: Record<string, number>; error?: string };

export interface ThreadData {
  port: number;
  options: object;
}

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
    trimCommittedRecords(store, message.request).then(
      ({ deleted }) => reply({ kind: "trim", id: message.id, deleted }),
      (error: unknown) => reply({ kind: "trim", id: message.id, error: String(error) }),
    );
  }
});
