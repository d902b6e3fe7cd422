/**
 * The lines of the bench report that answer the performance goals directly: the accept rate against
 * the bare-fastify baseline, records per order and bytes per shard-second on the wire with the
 * real-AWS capacity they imply for the stack's shard count, and per process the event-loop delay,
 * GC time and resident memory at the start and the end.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BaselineResult } from "./baseline.js";
import type { ProcessGauges } from "./process-gauges.js";
import { SERVICE_DIR } from "./system-under-test.js";

/**
 * A Kinesis shard takes 1,000 records/s and 1 MiB/s of writes.
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
const SHARD_RECORDS_PER_SECOND = 1_000;
const SHARD_BYTES_PER_SECOND = 1024 * 1024;

/** The fastcart-dev stack's kinesisShardCount (its stack file; the config default 2 otherwise). */
export function devStackShards(): number {
  try {
    const yaml = readFileSync(join(SERVICE_DIR, "..", "infra", "Pulumi.fastcart-dev.yaml"), "utf8");
    const match = /kinesisShardCount:\s*"?(\d+)/.exec(yaml);
    return match ? Number(match[1]) : 2;
  } catch {
    return 2;
  }
}

export interface GoalInputs {
  acceptedPerSecond: number;
  baseline?: BaselineResult;
  /** Offered rate: a ratio against the saturated baseline only means something unthrottled. */
  rate?: number;
  shards: number;
  loadSeconds: number;
  gauges: ProcessGauges[];
}

export function formatGoals(inputs: GoalInputs): string[] {
  const lines = ["  goals:"];
  if (inputs.baseline) {
    const ratio = inputs.acceptedPerSecond / Math.max(1, inputs.baseline.acceptedPerSecond);
    lines.push(
      `    API accept rate ÷ bare fastify (same body validation, ${inputs.baseline.seconds.toFixed(0)} s): ` +
        `${inputs.acceptedPerSecond} / ${inputs.baseline.acceptedPerSecond} = ${(ratio * 100).toFixed(0)} %` +
        (inputs.rate === undefined ? "" : "  (the API ran at a fixed --rate: not a saturated comparison)") +
        `; baseline p99 ${inputs.baseline.p99Ms} ms`,
    );
  }
  const records = inputs.gauges.reduce((sum, g) => sum + g.recordsPut, 0);
  const bytes = inputs.gauges.reduce((sum, g) => sum + g.bytesPut, 0);
  const accepted = inputs.gauges.reduce((sum, g) => sum + g.ordersAccepted, 0);
  if (records > 0 && accepted > 0) {
    const recordsPerOrder = records / accepted;
    const bytesPerOrder = bytes / accepted;
    const perShardSecond = bytes / Math.max(1, inputs.shards) / Math.max(1, inputs.loadSeconds);
    const perShard = Math.min(
      SHARD_RECORDS_PER_SECOND / recordsPerOrder,
      SHARD_BYTES_PER_SECOND / bytesPerOrder,
    );
    const bound =
      SHARD_RECORDS_PER_SECOND / recordsPerOrder < SHARD_BYTES_PER_SECOND / bytesPerOrder
        ? "records/s"
        : "MiB/s";
    const stackShards = devStackShards();
    lines.push(
      `    Kinesis records per order: ${recordsPerOrder.toFixed(3)} (${records} records for ${accepted} orders, ${Math.round(bytesPerOrder)} B/order)`,
      `    bytes per shard-second: ${Math.round(perShardSecond)} over ${inputs.shards} shards`,
      `    implied real-AWS capacity: ${Math.round(perShard)} orders/s per shard (bound by ${bound}); ` +
        `fastcart-dev (${stackShards} shards): ${Math.round(perShard * stackShards)} orders/s; ` +
        "orders-api-prod: table mode, no stream",
    );
  } else {
    lines.push("    Kinesis: no records put (table mode, or no stream producer in the sampled processes)");
  }
  for (const g of inputs.gauges) {
    lines.push(
      `    [${g.process}] event-loop delay p99 ${g.eventLoopP99MedianMs} ms median / ${g.eventLoopP99MaxMs} ms worst 2-s window; ` +
        `GC ${g.gcSeconds} s in ${g.gcPauses} pauses; RSS ${g.rssStartMb} → ${g.rssEndMb} MB`,
    );
  }
  return lines;
}
