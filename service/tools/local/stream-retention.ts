/**
 * The local stream's retention (`fastcart local --stream-retention <minutes>`, default 10): every
 * `intervalMs` it reads the workers' committed positions (shard_leases.checkpoint) and has kinesalite
 * delete, shard by shard, the records before that position that are older than the retention
 * (kinesalite-retention.ts). What no worker has committed stays, however old: a stopped worker makes
 * the store grow until it catches up, and no accepted order is deleted before the database holds it.
 *
 * A real stream deletes at its retention period (24 h or more) whether or not anyone read the
 * records; on a laptop that would be ~22 GB of disk a day at 1,000 orders/s, so the local stream
 * keeps minutes of history after commit instead — enough to read what was just processed with an
 * AT_TIMESTAMP iterator.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import { parseCheckpoint } from "../../src/modes/stream/stream-position.js";
import type { LeaseStore } from "../../src/store/leases.js";
import type { Logger } from "../../src/telemetry/logger.js";
import type { LocalKinesis } from "./kinesalite.js";

export const DEFAULT_STREAM_RETENTION_MINUTES = 10;

export interface StreamRetentionOptions {
  kinesis: Pick<LocalKinesis, "trimCommitted">;
  leases: Pick<LeaseStore, "streamName" | "checkpoints">;
  /** Committed records younger than this stay. */
  retentionMs: number;
  /** How often to trim (default a minute; each trim deletes what expired since the last). */
  intervalMs?: number;
  logger: Logger;
  /** Publishes local_kinesis_trimmed_records_total and local_kinesis_trim_duration_seconds here when given. */
  registry?: Registry;
  now?: () => number;
}

export interface StreamRetention {
  /** Runs one trim now (what the timer does); resolves with the records deleted. */
  trimNow(): Promise<number>;
  /** Stops the timer and waits for a trim in progress. */
  stop(): Promise<void>;
}

export function startStreamRetention(options: StreamRetentionOptions): StreamRetention {
  if (!(Number.isFinite(options.retentionMs) && options.retentionMs >= 0)) {
    throw new Error(`stream retention: retentionMs must be a number of ms ≥ 0, got ${options.retentionMs}`);
  }
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: "local-stream-retention" });
  const trimmed = options.registry
    ? new Counter({
        name: "local_kinesis_trimmed_records_total",
        help: "Records the local stream deleted after the workers committed them and the local retention passed (fastcart local only).",
        registers: [options.registry],
      })
    : undefined;
  const duration = options.registry
    ? new Histogram({
        name: "local_kinesis_trim_duration_seconds",
        help: "How long one trim of the local stream took: reading checkpoints, deleting, compacting (fastcart local only).",
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [options.registry],
      })
    : undefined;

  let running: Promise<number> | undefined;
  const trimOnce = async (): Promise<number> => {
    const end = duration?.startTimer();
    try {
      return await trimCommitted();
    } finally {
      end?.();
    }
  };
  const trimCommitted = async (): Promise<number> => {
    const checkpoints = await options.leases.checkpoints();
    const keepFrom: Record<string, string> = {};
    for (const [shardId, checkpoint] of checkpoints)
      keepFrom[shardId] = parseCheckpoint(checkpoint).sequenceNumber;
    if (Object.keys(keepFrom).length === 0) return 0;
    const { deleted, mismatched } = await options.kinesis.trimCommitted({
      streamName: options.leases.streamName,
      keepFrom,
      cutoffMs: now() - options.retentionMs,
    });
    if (mismatched.length > 0) {
      log.warn(
        { shards: mismatched, stream: options.leases.streamName },
        "local stream retention: these shards' checkpoints are not sequence numbers of this stream's shards (a database reused from an earlier stream of the same name?); their records are kept",
      );
    }
    const total = Object.values(deleted).reduce((sum, count) => sum + count, 0);
    trimmed?.inc(total);
    if (total > 0) log.debug({ deleted }, "deleted committed records past the local retention");
    return total;
  };
  const trimNow = (): Promise<number> => {
    running ??= trimOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    trimNow().catch((err: unknown) =>
      log.warn({ err }, "local stream retention: trim failed; the records stay and the next trim retries"),
    );
  }, intervalMs);
  timer.unref();
  return {
    trimNow,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
