/**
 * Table mode's answer to a batch that fails for a reason that is not transient: the same bisection as
 * the stream's (pipeline/quarantine.ts) over the ids the claim would take, each part claimed and
 * decided in its own transaction, so every PENDING order but the failing one is decided. After its
 * last attempt the failing order is quarantined — its PENDING row stays (the customer still reads it
 * as PENDING) but is no longer claimed, until an operator replays or discards it.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { OrderBatchProcessor } from "../../pipeline/batch-processor.js";
import {
  commitIsolating,
  describeError,
  type RecordFailure,
  type RecordFailureTracker,
  reasonOf,
} from "../../pipeline/quarantine.js";
import { claimPendingOrders, peekPendingOrderIds } from "../../store/pending.js";
import { quarantineRecords } from "../../store/quarantine-store.js";
import type { Database } from "../../store/schema.js";
import { withTransaction } from "../../store/transaction.js";
import { encodeOrderRecord } from "../stream/record.js";
import type { IntakeMetrics } from "../types.js";

export interface TableIsolationDeps {
  db: Kysely<Database>;
  processor: OrderBatchProcessor;
  tracker: RecordFailureTracker;
  maxAttempts: number;
  batchSize: number;
  source: string;
  log: Logger;
  metrics?: IntakeMetrics;
}

/** Decides the next batch part by part; throws like commitIsolating (transient, or retry pending). */
export async function decideIsolating(deps: TableIsolationDeps): Promise<void> {
  const ids = await peekPendingOrderIds(deps.db, deps.batchSize);
  const quarantine = async (index: number, failure: RecordFailure) => {
    const orderId = ids[index]!;
    const quarantined = await withTransaction(deps.db, async (trx) => {
      // Locked like a claim, so a worker deciding it right now is not overtaken.
      const [order] = await claimPendingOrders(trx, 1, [orderId]);
      if (!order) return false;
      await quarantineRecords(trx, [
        {
          intake: "table",
          orderId,
          rawData: encodeOrderRecord(order),
          reason: reasonOf(failure.error),
          error: describeError(failure.error),
          attempts: failure.attempts,
          firstSeenAt: failure.firstSeenAt,
          lastSeenAt: failure.lastSeenAt,
        },
      ]);
      return true;
    });
    if (!quarantined) return;
    deps.metrics?.quarantinedRecords?.(reasonOf(failure.error), 1);
    deps.log.error(
      { orderId, attempts: failure.attempts, err: failure.error },
      "PENDING order quarantined after its last attempt; the queue moves on",
    );
  };
  await commitIsolating(
    ids.length,
    {
      commit: async (from, to) => {
        await deps.processor.processClaimed(deps.source, (trx) =>
          claimPendingOrders(trx, to - from, ids.slice(from, to)),
        );
        deps.metrics?.shardCommitted?.("table");
      },
      quarantine,
      keyOf: (index) => ids[index]!,
    },
    { tracker: deps.tracker, maxAttempts: deps.maxAttempts },
  );
}
