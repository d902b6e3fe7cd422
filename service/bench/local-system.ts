/**
 * The bench's in-process system: what `fastcart local` (`npm start`) runs, with the shard and worker
 * counts and the embedded servers' ports the bench chose (`npm start` keeps its defaults).
 *
 *   node --import tsx bench/local-system.ts [--shards 2] [--workers 2] [--kinesis-port N] [--postgres-port N]
 *                                           [--stream-retention MINUTES]
 */
import { parseArgs } from "node:util";
import { LOCAL_SHARDS, LOCAL_WORKERS, startLocal } from "../tools/local/local.js";

const { values } = parseArgs({
  options: {
    shards: { type: "string", default: String(LOCAL_SHARDS) },
    workers: { type: "string", default: String(LOCAL_WORKERS) },
    "kinesis-port": { type: "string" },
    "postgres-port": { type: "string" },
    "stream-retention": { type: "string" },
  },
});
/** A flag's whole number, or undefined when it was not given; anything else stops the start. */
const integerFlag = (flag: string, raw: string | undefined) => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`local-system: --${flag} must be a whole number, got "${raw}"`);
  return value;
};
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const system = await startLocal(process.env, {
  handleSignals: true,
  shards: Number(values.shards),
  workers: Number(values.workers),
  kinesisPort: integerFlag("kinesis-port", values["kinesis-port"]),
  postgresPort: integerFlag("postgres-port", values["postgres-port"]),
  streamRetentionMinutes: integerFlag("stream-retention", values["stream-retention"]),
});
process.stderr.write(`local system ready at ${system.url}\n`);
await system.lifecycle.stopped;
