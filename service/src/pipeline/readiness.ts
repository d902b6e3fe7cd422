/** The worker probe's readiness document, from ShardProgress: ok, or degraded naming the stuck shards. */
import type { ShardProgressView } from "./progress.js";

export interface WorkerReadiness {
  status: "ok" | "degraded";
  shards: ShardProgressView[];
  /** Shards failing without a commit for longer than WORKER_STUCK_SHARD_SECONDS. */
  stuck?: string[];
}

export function workerReadiness(shards: ShardProgressView[]): WorkerReadiness {
  const stuck = shards.filter((s) => s.stuck).map((s) => s.shard);
  return stuck.length > 0 ? { status: "degraded", shards, stuck } : { status: "ok", shards };
}
