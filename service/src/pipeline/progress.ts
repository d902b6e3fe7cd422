/**
 * Per-shard progress, for operators: when each shard (or, as "table", the table queue) last
 * committed, and since when its work has been failing. A shard is stuck when it has been failing
 * without a commit for longer than WORKER_STUCK_SHARD_SECONDS — an idle shard (nothing to read) is
 * not stuck however long ago it committed. The gauge `stream_shard_seconds_since_commit` and the
 * worker's readiness (degraded) both read it.
 */
export interface ShardProgressView {
  shard: string;
  secondsSinceCommit: number;
  /** Seconds since the first failure after the last commit; absent when not failing. */
  failingForSeconds?: number;
  stuck: boolean;
}

export class ShardProgress {
  private readonly shards = new Map<string, { committedAt: number; failingSince?: number }>();

  constructor(
    private readonly stuckAfterSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  committed(shard: string): void {
    this.shards.set(shard, { committedAt: this.clock() });
  }

  failing(shard: string): void {
    const now = this.clock();
    const entry = this.shards.get(shard) ?? { committedAt: now };
    entry.failingSince ??= now;
    this.shards.set(shard, entry);
  }

  /** The shard's lease ended here (another worker has it, or it reached its end). */
  released(shard: string): void {
    this.shards.delete(shard);
  }

  snapshot(): ShardProgressView[] {
    const now = this.clock();
    return [...this.shards.entries()].map(([shard, { committedAt, failingSince }]) => {
      const view: ShardProgressView = {
        shard,
        secondsSinceCommit: Math.max(0, (now - committedAt) / 1000),
        stuck: failingSince !== undefined && now - committedAt > this.stuckAfterSeconds * 1000,
      };
      if (failingSince !== undefined) view.failingForSeconds = Math.max(0, (now - failingSince) / 1000);
      return view;
    });
  }
}
