/**
 * Commits one chunk of a shard's user records: decodes each, decides the orders, quarantines the
 * records that are not orders (poison) and moves the fenced checkpoint — one transaction when all
 * goes well. When it fails for a reason that is not transient, commitIsolating bisects the chunk so
 * every record but the failing one is decided, and quarantines that one after its last attempt, the
 * checkpoint moving past it in the same transaction. The shard never stops on one record.
 */
import type { Logger } from "pino";
import type { AcceptedOrder } from "../../orders/types.js";
import type { OrderBatchProcessor } from "../../pipeline/batch-processor.js";
import {
  commitIsolating,
  describeError,
  type RecordFailure,
  type RecordFailureTracker,
  reasonOf,
} from "../../pipeline/quarantine.js";
import type { HeldLease, LeaseStore } from "../../store/leases.js";
import { type QuarantineEntry, quarantineRecords } from "../../store/quarantine-store.js";
import type { IntakeMetrics } from "../types.js";
import { type DecodedRecord, decodeOrderRecord } from "./record.js";
import type { UserRecord, UserRecordChunk } from "./stream-position.js";

export interface ChunkCommitterDeps {
  processor: OrderBatchProcessor;
  leases: LeaseStore;
  lease: HeldLease;
  streamName: string;
  tracker: RecordFailureTracker;
  maxAttempts: number;
  log: Logger;
  metrics?: IntakeMetrics;
}

function entryOf(
  deps: ChunkCommitterDeps,
  record: UserRecord,
  fields: Pick<QuarantineEntry, "reason" | "error" | "attempts" | "firstSeenAt" | "lastSeenAt">,
): QuarantineEntry {
  return {
    intake: "stream",
    streamName: deps.streamName,
    shardId: deps.lease.shardId,
    sequenceNumber: record.sequenceNumber,
    ...(record.subSequenceNumber !== undefined ? { subSequenceNumber: record.subSequenceNumber } : {}),
    partitionKey: record.partitionKey,
    rawData: record.data,
    ...fields,
  };
}

export async function commitStreamChunk(chunk: UserRecordChunk, deps: ChunkCommitterDeps): Promise<void> {
  const { records } = chunk;
  const decoded: DecodedRecord[] = records.map((record) => decodeOrderRecord(record.data));
  const source = `stream:${deps.lease.shardId}`;
  const checkpointAfter = (index: number) =>
    index === records.length - 1 ? chunk.checkpoint : records[index]!.checkpointAfter;

  const commit = async (from: number, to: number) => {
    const orders: AcceptedOrder[] = [];
    const poison: QuarantineEntry[] = [];
    const now = new Date();
    for (let i = from; i < to; i++) {
      const result = decoded[i]!;
      if (result.ok) {
        orders.push(result.order);
        continue;
      }
      poison.push(
        entryOf(deps, records[i]!, {
          reason: "poison",
          error: result.reason,
          attempts: 1,
          firstSeenAt: now,
          lastSeenAt: now,
        }),
      );
    }
    const checkpoint = to === 0 ? chunk.checkpoint : checkpointAfter(to - 1);
    await deps.processor.process({ source, orders, poison: poison.length }, async (trx) => {
      // Never retried: a record that is not an order will not become one. Kept, not dropped.
      await quarantineRecords(trx, poison);
      await deps.leases.checkpoint(trx, deps.lease, checkpoint);
    });
    // Only now, after the COMMIT: a batch whose transaction rolled back (even after the checkpoint was
    // written inside it) must be read again from the previous checkpoint, not skipped.
    deps.lease.checkpoint = checkpoint;
    deps.metrics?.shardCommitted?.(deps.lease.shardId);
    if (poison.length > 0) {
      deps.metrics?.poisonRecords(poison.length);
      deps.metrics?.quarantinedRecords?.("poison", poison.length);
      for (const entry of poison) {
        deps.log.warn(
          {
            sequenceNumber: entry.sequenceNumber,
            subSequenceNumber: entry.subSequenceNumber,
            reason: entry.error,
          },
          "poison record quarantined",
        );
      }
    }
  };

  const quarantine = async (index: number, failure: RecordFailure) => {
    const record = records[index]!;
    const checkpoint = checkpointAfter(index);
    const entry = entryOf(deps, record, {
      reason: reasonOf(failure.error),
      error: describeError(failure.error),
      attempts: failure.attempts,
      firstSeenAt: failure.firstSeenAt,
      lastSeenAt: failure.lastSeenAt,
    });
    await deps.processor.process({ source, orders: [], poison: 0 }, async (trx) => {
      await quarantineRecords(trx, [entry]);
      await deps.leases.checkpoint(trx, deps.lease, checkpoint);
    });
    deps.lease.checkpoint = checkpoint;
    deps.metrics?.shardCommitted?.(deps.lease.shardId);
    deps.metrics?.quarantinedRecords?.(entry.reason, 1);
    deps.log.error(
      {
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: record.subSequenceNumber,
        attempts: failure.attempts,
        reason: entry.reason,
        err: failure.error,
      },
      "record quarantined after its last attempt; the shard moves on",
    );
  };

  await commitIsolating(
    records.length,
    {
      commit,
      quarantine,
      keyOf: (index) => `${records[index]!.sequenceNumber}:${records[index]!.subSequenceNumber ?? "-"}`,
    },
    { tracker: deps.tracker, maxAttempts: deps.maxAttempts },
  );
}
