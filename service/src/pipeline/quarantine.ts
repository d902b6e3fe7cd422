/**
 * Isolating failing records: when a batch fails for a reason that is not transient, split it in two
 * and commit each half on its own (bisect on error, as AWS Lambda's Kinesis event source does), down
 * to the record that fails alone. That record is retried a bounded number of times (attempts counted
 * here, per record); at the limit it is quarantined, in one transaction with the intake's progress
 * marker, and the work after it goes on. Everything before it in the batch was decided meanwhile.
 *
 * Transient faults — the database unreachable, restarting or refusing credentials while they rotate
 * (the dialect's `outage`), a deadlock or serialization failure (`retryable`), a lost lease — are not
 * the record's fault: they end the attempt at once, count for nothing, and the caller retries the
 * whole batch with backoff.
 */
import { classifyStorageError } from "../store/dialect/index.js";
import { LeaseLostError } from "../store/leases.js";
import type { QuarantineReason } from "../store/quarantine-store.js";

/** True for a fault of the environment rather than of the records being written. */
export function isTransientFault(error: unknown): boolean {
  if (error instanceof LeaseLostError) return true;
  const kind = classifyStorageError(error);
  return kind === "retryable" || kind === "outage";
}

/** The quarantine reason of an error a record kept failing with on its own. */
export function reasonOf(error: unknown): QuarantineReason {
  return classifyStorageError(error) === "unstorable" ? "unstorable" : "failed";
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** One record's failures so far. */
export interface RecordFailure {
  attempts: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  error: unknown;
}

/**
 * Attempts per record key, in memory: after a restart a record gets its attempts again, which only
 * delays its quarantine. Bounded, oldest forgotten first.
 */
export class RecordFailureTracker {
  private readonly failures = new Map<string, RecordFailure>();

  constructor(private readonly maxEntries = 10_000) {}

  fail(key: string, error: unknown, now = new Date()): RecordFailure {
    const previous = this.failures.get(key);
    const failure: RecordFailure = {
      attempts: (previous?.attempts ?? 0) + 1,
      firstSeenAt: previous?.firstSeenAt ?? now,
      lastSeenAt: now,
      error,
    };
    this.failures.delete(key);
    this.failures.set(key, failure);
    if (this.failures.size > this.maxEntries) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return failure;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  attemptsOf(key: string): number {
    return this.failures.get(key)?.attempts ?? 0;
  }
}

/** A record failed on its own and has attempts left: back off, then read it again. */
export class RecordRetryPendingError extends Error {
  constructor(
    readonly key: string,
    readonly failure: RecordFailure,
  ) {
    super(`record ${key} failed (attempt ${failure.attempts}): ${describeError(failure.error)}`, {
      cause: failure.error,
    });
    this.name = "RecordRetryPendingError";
  }
}

export interface IsolationOps {
  /** Decides items [from, to) of the batch in one transaction with the progress marker after them. */
  commit(from: number, to: number): Promise<void>;
  /** Quarantines item `index`, with the progress marker moved past it, in one transaction. */
  quarantine(index: number, failure: RecordFailure): Promise<void>;
  keyOf(index: number): string;
}

export interface IsolationOptions {
  tracker: RecordFailureTracker;
  /** Attempts of a record failing alone before it is quarantined (WORKER_MAX_RECORD_ATTEMPTS). */
  maxAttempts: number;
  /** Told about each record quarantined (logs, metrics). */
  onQuarantined?: (index: number, failure: RecordFailure) => void;
}

/**
 * Commits items [0, count) in order, isolating the ones that fail. Resolves when every item is
 * decided or quarantined; throws a transient fault as it came, or RecordRetryPendingError when a
 * record failed alone with attempts left (everything before it is committed by then).
 */
export async function commitIsolating(
  count: number,
  ops: IsolationOps,
  options: IsolationOptions,
): Promise<void> {
  const run = async (from: number, to: number): Promise<void> => {
    try {
      await ops.commit(from, to);
      return;
    } catch (error) {
      if (isTransientFault(error)) throw error;
      if (to - from > 1) {
        const middle = from + Math.ceil((to - from) / 2);
        await run(from, middle);
        await run(middle, to);
        return;
      }
      const key = ops.keyOf(from);
      const failure = options.tracker.fail(key, error);
      if (failure.attempts < options.maxAttempts) throw new RecordRetryPendingError(key, failure);
      await ops.quarantine(from, failure);
      options.tracker.forget(key);
      options.onQuarantined?.(from, failure);
    }
  };
  if (count === 0) {
    await ops.commit(0, 0);
    return;
  }
  await run(0, count);
}
