/** `fastcart load` arguments: every bad value names its flag and the rule. */
import { parseArgs } from "node:util";
import type { LoadOptions } from "./types.js";

export const LOAD_USAGE = `usage: fastcart load --url <base-url> --token <admin-token> [options]

  --duration <s>        seconds of load (default 60)
  --connections <n>     concurrent HTTP connections (default 64)
  --rate <n>            offered load, requests/s over all connections (default: as fast as possible)
  --metrics <urls>      comma list of /metrics URLs whose counters are summed (default <url>/metrics;
                        list the worker processes' too when they run apart from the API)
  --skus <n>            products created for the run (default 50; a tenth of them are scarce)
  --drain-timeout <s>   wait for every accepted order to be decided (default: max(30, duration))
  --json                print the report as one JSON object on stdout (the table goes to stderr)`;

export class LoadUsageError extends Error {
  override name = "LoadUsageError";
}

function integerFlag(name: string, raw: string | undefined, fallback: number, min: number, max: number) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LoadUsageError(`--${name}: must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** Parses the role's arguments; every problem names the flag and the rule. */
export function parseLoadArgs(argv: string[]): LoadOptions & { json: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        duration: { type: "string" },
        connections: { type: "string" },
        rate: { type: "string" },
        metrics: { type: "string" },
        skus: { type: "string" },
        "drain-timeout": { type: "string" },
        json: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new LoadUsageError((error as Error).message);
  }
  const url = values.url as string | undefined;
  if (!url) throw new LoadUsageError("--url: required (the API's base URL, e.g. http://127.0.0.1:3000)");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoadUsageError(`--url: must be an http(s) URL (got "${url}")`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new LoadUsageError(`--url: must be an http(s) URL (got "${url}")`);
  }
  const token = values.token as string | undefined;
  if (!token) throw new LoadUsageError("--token: required (an admin token, e.g. from `fastcart token`)");
  const durationSeconds = integerFlag("duration", values.duration as string | undefined, 60, 1, 3_600);
  const metricsUrls = (values.metrics as string | undefined)?.split(",").map((entry) => entry.trim());
  for (const entry of metricsUrls ?? []) {
    if (!/^https?:\/\/[^\s]+$/.test(entry) || !URL.canParse(entry)) {
      throw new LoadUsageError(`--metrics: a comma list of http(s) URLs (got "${entry}")`);
    }
  }
  const skus = integerFlag("skus", values.skus as string | undefined, 50, 2, 1_000);
  return {
    url: url.replace(/\/+$/, ""),
    token,
    durationSeconds,
    connections: integerFlag("connections", values.connections as string | undefined, 64, 1, 10_000),
    rate: values.rate === undefined ? undefined : integerFlag("rate", values.rate as string, 0, 1, 1_000_000),
    metricsUrls,
    skus,
    scarceSkus: Math.max(1, Math.floor(skus / 10)),
    drainTimeoutSeconds: integerFlag(
      "drain-timeout",
      values["drain-timeout"] as string | undefined,
      Math.max(30, durationSeconds),
      1,
      3_600,
    ),
    progress: true,
    json: values.json === true,
  };
}
