/** The bench's command line: its own flags, and the load role's shared ones validated by the load role. */
import { parseArgs } from "node:util";
import { booleanDefault } from "../src/contract.js";
import { LoadUsageError, parseLoadArgs } from "../tools/load/index.js";
import { PORT_RANGE_SIZE, type PortSource, portSource } from "./ports.js";
import { DATABASES, type DatabaseChoice, LAYOUTS, type Layout } from "./system-under-test.js";

export interface BenchOptions {
  durationSeconds: number;
  connections: number;
  rate?: number;
  skus: number;
  drainTimeoutSeconds: number;
  layouts: Layout[];
  databases: DatabaseChoice[];
  serverUrl?: string;
  profile: boolean;
  json: boolean;
  check: boolean;
  ports: PortSource;
  shards: number;
  workers: number;
  items?: number;
  prefill: number;
  mode: "stream" | "table";
  aggregate: boolean;
  baseline: boolean;
}

function listOption<T extends string>(
  flag: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: T[],
) {
  if (raw === undefined) return fallback;
  const values = raw === "all" ? [...allowed] : raw.split(",").map((v) => v.trim());
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new LoadUsageError(
        `--${flag}: must be "all" or a comma list of ${allowed.join(", ")} (got "${value}")`,
      );
    }
  }
  return values as T[];
}

export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      rate: { type: "string" },
      skus: { type: "string" },
      "drain-timeout": { type: "string" },
      layouts: { type: "string" },
      database: { type: "string" },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      "port-base": { type: "string" },
      shards: { type: "string" },
      workers: { type: "string" },
      items: { type: "string" },
      prefill: { type: "string" },
      mode: { type: "string" },
      aggregation: { type: "boolean" },
      "no-aggregation": { type: "boolean", default: false },
      "no-baseline": { type: "boolean", default: false },
    },
  });
  const integer = (flag: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new LoadUsageError(`--${flag}: must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  };
  const mode = values.mode ?? "stream";
  if (mode !== "stream" && mode !== "table") {
    throw new LoadUsageError(`--mode: must be stream or table (got "${mode}")`);
  }
  const portBase =
    values["port-base"] === undefined
      ? undefined
      : integer("port-base", values["port-base"], 0, 1024, 65535 - PORT_RANGE_SIZE);
  // The load role validates the shared flags; the URL and token are ours to fill in later.
  const shared = parseLoadArgs([
    "--url",
    "http://127.0.0.1",
    "--token",
    "-",
    ...(["duration", "connections", "rate", "skus", "drain-timeout"] as const).flatMap((flag) =>
      values[flag] === undefined ? [] : [`--${flag}`, values[flag] as string],
    ),
  ]);
  const serverUrl = env.DATABASE_URL || undefined;
  const databases = listOption("database", values.database, DATABASES, [serverUrl ? "server" : "embedded"]);
  if (databases.includes("server") && !serverUrl) {
    throw new LoadUsageError(
      "--database server: set DATABASE_URL to a PostgreSQL server (a fresh database is created on it)",
    );
  }
  const prefill = integer("prefill", values.prefill, 0, 0, 100_000_000);
  const layouts = listOption("layouts", values.layouts, LAYOUTS, ["in-process"]);
  if (prefill > 0 && !serverUrl && layouts.includes("in-process")) {
    throw new LoadUsageError(
      "--prefill: needs a database this process can reach — set DATABASE_URL (a fresh database is created on it) or use --layouts split-roles",
    );
  }
  return {
    ports: portSource(portBase),
    shards: integer("shards", values.shards, 2, 1, 50),
    workers: integer("workers", values.workers, 2, 1, 64),
    items: values.items === undefined ? undefined : integer("items", values.items, 1, 1, 50),
    prefill,
    mode,
    // The service's own default unless a flag says otherwise; --no-aggregation measures one order per record.
    aggregate: values["no-aggregation"]
      ? false
      : (values.aggregation ?? booleanDefault("KINESIS_AGGREGATION")),
    baseline: values["no-baseline"] !== true,
    durationSeconds: shared.durationSeconds,
    connections: shared.connections,
    rate: shared.rate,
    skus: shared.skus,
    drainTimeoutSeconds: shared.drainTimeoutSeconds,
    layouts,
    databases,
    serverUrl,
    profile: values.profile === true,
    json: values.json === true,
    check: values.check === true,
  };
}
