/**
 * Ports for every server the bench starts. With `--port-base N` they come from N … N+99 in order
 * (each checked free by binding it first), so a bench never strays into ports another user of the
 * machine was given; without it the kernel picks free ones.
 */
import { createServer } from "node:net";
import { freePort } from "../tools/local/embedded-postgres.js";

export const PORT_RANGE_SIZE = 100;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

export interface PortSource {
  next(what: string): Promise<number>;
}

export function portSource(base: number | undefined): PortSource {
  if (base === undefined) return { next: () => freePort() };
  let candidate = base;
  return {
    async next(what) {
      while (candidate < base + PORT_RANGE_SIZE) {
        const port = candidate++;
        if (await isFree(port)) return port;
      }
      throw new Error(
        `--port-base ${base}: no free port left in ${base}–${base + PORT_RANGE_SIZE - 1} for ${what}`,
      );
    },
  };
}
