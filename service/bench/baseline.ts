/**
 * Runs the bare-fastify baseline (bare-fastify.ts) in a child process and drives it with the same
 * load generator, connections and order bodies as the system, so "the API's accept rate ÷ a bare
 * fastify app validating the same body" is measured in the same run, on the same machine load.
 */
import { join } from "node:path";
import { randomOrderBody } from "../tools/load/catalog.js";
import { importAutocannon } from "../tools/load/driver.js";
import { startChild, stopChild, waitForHttp } from "./child-process.js";
import type { PortSource } from "./ports.js";
import { SERVICE_DIR } from "./system-under-test.js";

export interface BaselineResult {
  seconds: number;
  acceptedPerSecond: number;
  p99Ms: number;
}

export async function runBaseline(options: {
  seconds: number;
  connections: number;
  items?: number;
  ports: PortSource;
  logDir: string;
}): Promise<BaselineResult> {
  const port = await options.ports.next("the bare-fastify baseline");
  const child = startChild("bare fastify", process.execPath, ["--import", "tsx", "bench/bare-fastify.ts"], {
    cwd: SERVICE_DIR,
    env: { ...process.env, PORT: String(port) },
    logFile: join(options.logDir, "baseline.log"),
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(child, `${url}/health`, 60_000);
    const autocannon = await importAutocannon();
    const catalog = {
      currency: "EUR",
      plentiful: Array.from({ length: 45 }, (_, i) => `BASE-${String(i).padStart(4, "0")}`),
      scarce: Array.from({ length: 5 }, (_, i) => `BASE-SCARCE-${i}`),
    };
    let accepted = 0;
    const result = await new Promise<Awaited<ReturnType<typeof collect>>>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          connections: options.connections,
          duration: options.seconds,
          timeout: 10,
          method: "POST",
          headers: { authorization: "Bearer unused", "content-type": "application/json" },
          requests: [
            {
              method: "POST",
              path: "/orders",
              setupRequest: (request: Record<string, unknown>) => ({
                ...request,
                body: randomOrderBody(catalog, "baseline", options.items),
              }),
            },
          ],
        },
        (error, res) => (error ? reject(error) : resolve(collect(res))),
      );
      instance.on("response", (_client, statusCode) => {
        if (statusCode === 202) accepted++;
      });
    });
    return {
      seconds: result.duration,
      acceptedPerSecond: Math.round(accepted / Math.max(0.001, result.duration)),
      p99Ms: result.p99,
    };
  } finally {
    await stopChild(child);
  }
}

function collect(result: { duration: number; latency: { p99: number } }) {
  return { duration: result.duration, p99: result.latency.p99 };
}
