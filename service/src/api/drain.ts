/**
 * Graceful drain on SIGTERM, in the order a load balancer needs:
 * 1. stop accepting new connections (the listening socket closes; the ALB has deregistered the task
 *    by then, so new connections go to other tasks);
 * 2. answer every request already in flight, with `Connection: close`;
 * 3. answer any request that still arrives on a kept-alive connection with a 503 problem, a
 *    `Retry-After` and `Connection: close`, so the client reconnects — to another task — and retries;
 * 4. once every connection has closed (or after `graceMs`), close the app.
 *
 * Why not just fastify's close(): Node's http.Server#close() also destroys every idle kept-alive
 * connection at once, and a client that sent its next request at that moment gets ECONNRESET. Here
 * idle connections stay open during the grace period and are closed by their own next response; only
 * connections still idle at its end are reaped.
 */
import { Server as NetServer, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { problems } from "./errors.js";

/** How long idle kept-alive connections get to send one last request (within the 25 s shutdown budget). */
export const DRAIN_GRACE_MS = 5_000;
/** Seconds a client refused while draining should wait; another task answers at once. */
export const DRAIN_RETRY_AFTER_SECONDS = 1;

declare module "fastify" {
  interface FastifyInstance {
    /** Graceful shutdown of this app (api/drain.ts); use it instead of close() on SIGTERM. */
    drain: Drain;
  }
}

export interface Drain {
  readonly draining: boolean;
  /** Runs steps 1–4; resolves when the app is closed. Idempotent. */
  close(): Promise<void>;
}

export function registerDrain(app: FastifyInstance, graceMs = DRAIN_GRACE_MS): Drain {
  let draining = false;
  let closing: Promise<void> | undefined;
  const connections = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });

  app.addHook("onRequest", async (_request, reply) => {
    if (!draining) return;
    reply.header("connection", "close");
    throw problems.unavailable(
      "the API is shutting down; retry, another instance answers",
      DRAIN_RETRY_AFTER_SECONDS,
    );
  });
  app.addHook("onSend", async (_request, reply) => {
    if (draining) reply.header("connection", "close");
  });

  const allClosed = () =>
    new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, graceMs);
      const check = () => {
        if (connections.size > 0) return;
        clearTimeout(deadline);
        resolve();
      };
      for (const socket of connections) socket.once("close", check);
      check();
    });

  const run = async () => {
    draining = true;
    if (app.server.listening) {
      // net.Server#close: stop listening WITHOUT http.Server#close's reaping of idle connections. Its
      // callback waits for every connection to end; the grace period below bounds that instead.
      NetServer.prototype.close.call(app.server);
    }
    await allClosed();
    await app.close();
  };

  return {
    get draining() {
      return draining;
    },
    close() {
      closing ??= run();
      return closing;
    },
  };
}
