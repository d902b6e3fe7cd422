/**
 * The one retry policy of the write path: an attempt that failed for a reason a retry cures (a
 * deadlock, a serialization failure, a lost insert-if-absent race, a throttled Kinesis entry) runs
 * again after a backoff with full jitter — the n-th retry waits random(0, min(maxMs, baseMs·2^(n−1)))
 * — so retries from many callers do not arrive in lockstep; after `maxAttempts` the error stands.
 *
 * An outage (the session killed under a credential rotation, the new password refused until the secret
 * is updated, a failover) is not cured by the next attempt but by time: a policy with an
 * `outageWindowMs` retries those until that long has passed since the first attempt, however many
 * attempts it takes, with waits capped at `outageBackoffMaxMs` — a handful of attempts spent within a
 * few milliseconds would fail an order that the database takes a second later.
 *
 * Each write retries in exactly one place (the intake's batch, the worker's batch transaction, the
 * producer's entry), never inside another retry loop, so conflicts cost a batch at most
 * `maxAttempts` transactions (an outage window adds one per outage retry, at most one a second once
 * the waits reach their cap).
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  /** Attempts, the first included. */
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Retry outages (see `RetryVerdict`) until this long after the first attempt; without it they count as attempts. */
  readonly outageWindowMs?: number;
  /** Longest wait between two outage retries (default 1 s). */
  readonly outageBackoffMaxMs?: number;
}

/**
 * What `shouldRetry` says of an error: `false` lets it stand; `true` retries within `maxAttempts`;
 * `"outage"` retries within the policy's `outageWindowMs`.
 */
export type RetryVerdict = boolean | "outage";

const DEFAULT_OUTAGE_BACKOFF_MAX_MS = 1_000;

/** A batch transaction of the workers: a conflict usually clears at once, so short waits. */
export const TRANSACTION_RETRY: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 100 };

/** The full-jitter wait before retry number `retry` (1 for the first retry). */
export function backoffDelayMs(policy: RetryPolicy, retry: number): number {
  const cap = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (retry - 1));
  return Math.random() * cap;
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` says no, or the policy's budget for that kind of
 * error is spent: `maxAttempts` for conflicts, `outageWindowMs` for outages (the two are counted
 * apart, so a batch that rode out an outage still has its attempts for a conflict). `onRetry` sees
 * each error that is retried (for a log line).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  shouldRetry: (error: unknown) => RetryVerdict,
  attempt: (n: number) => Promise<T>,
  onRetry?: (error: unknown, n: number) => void,
): Promise<T> {
  const started = Date.now();
  let conflictRetries = 0;
  let outageRetries = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const verdict = shouldRetry(error);
      if (verdict === false) throw error;
      let wait: number;
      if (verdict === "outage" && policy.outageWindowMs !== undefined) {
        const left = policy.outageWindowMs - (Date.now() - started);
        if (left <= 0) throw error;
        outageRetries++;
        const cap = policy.outageBackoffMaxMs ?? DEFAULT_OUTAGE_BACKOFF_MAX_MS;
        wait = Math.min(left, backoffDelayMs({ ...policy, backoffMaxMs: cap }, outageRetries));
      } else {
        if (conflictRetries + 1 >= policy.maxAttempts) throw error;
        conflictRetries++;
        wait = backoffDelayMs(policy, conflictRetries);
      }
      onRetry?.(error, n);
      await sleep(wait);
    }
  }
}
