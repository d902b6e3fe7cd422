/**
 * Positions in a shard at user-record granularity. A plain Kinesis record is one user record; a
 * KPL-aggregated one is many, each at (sequence number, sub-sequence number). The shard checkpoint
 * (shard_leases.checkpoint, one string, fenced and committed with the decisions it covers) is:
 *
 *   "<sequence>"        every user record up to and including that Kinesis record is committed;
 *   "<sequence>:<sub>"  the aggregated record at <sequence> is committed up to and including user
 *                       record <sub>; the rest of it is not.
 *
 * So a batch may end in the middle of an aggregated record, and a crash there replays only the user
 * records not committed: the worker reads again AT that sequence number and skips sub-sequences up to
 * the committed one, as the KCL's extended sequence numbers do.
 */
import type { _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import { deaggregate } from "./kpl-format.js";

export interface ShardPosition {
  sequenceNumber: string;
  /** Set when only part of an aggregated record is committed: the last committed user record. */
  subSequenceNumber?: number;
}

/** One user record read from a shard, with the checkpoint that commits it. */
export interface UserRecord {
  sequenceNumber: string;
  /** Its index inside an aggregated record; undefined for a plain record. */
  subSequenceNumber?: number;
  partitionKey: string;
  data: Uint8Array;
  /** The checkpoint to write once this user record (and all before it) is committed. */
  checkpointAfter: string;
}

export function formatCheckpoint(position: ShardPosition): string {
  return position.subSequenceNumber === undefined
    ? position.sequenceNumber
    : `${position.sequenceNumber}:${position.subSequenceNumber}`;
}

export function parseCheckpoint(checkpoint: string): ShardPosition {
  const colon = checkpoint.indexOf(":");
  if (colon === -1) return { sequenceNumber: checkpoint };
  return {
    sequenceNumber: checkpoint.slice(0, colon),
    subSequenceNumber: Number(checkpoint.slice(colon + 1)),
  };
}

/** GetShardIterator parameters that resume after a checkpoint (or from the start without one). */
export function iteratorStart(
  checkpoint: string | undefined,
):
  | { ShardIteratorType: "TRIM_HORIZON" }
  | { ShardIteratorType: "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER"; StartingSequenceNumber: string } {
  if (!checkpoint) return { ShardIteratorType: "TRIM_HORIZON" };
  const position = parseCheckpoint(checkpoint);
  // A partly committed aggregated record is read again whole; expandRecords drops its committed part.
  return position.subSequenceNumber === undefined
    ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: position.sequenceNumber }
    : { ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: position.sequenceNumber };
}

/**
 * The user records of `records` in shard order, without any already covered by `checkpoint`
 * (a partly committed aggregated record at its head, or a record at or before a whole checkpoint).
 */
export function expandRecords(
  records: readonly KinesisRecord[],
  checkpoint: string | undefined,
): UserRecord[] {
  const committed = checkpoint ? parseCheckpoint(checkpoint) : undefined;
  const users: UserRecord[] = [];
  for (const record of records) {
    const sequenceNumber = record.SequenceNumber ?? "";
    const data = record.Data ?? new Uint8Array();
    const partitionKey = record.PartitionKey ?? "";
    if (
      committed &&
      committed.subSequenceNumber === undefined &&
      sequenceNumber === committed.sequenceNumber
    ) {
      continue; // a whole checkpoint is exclusive
    }
    const skipUpTo =
      committed?.subSequenceNumber !== undefined && sequenceNumber === committed.sequenceNumber
        ? committed.subSequenceNumber
        : -1;
    const parts = deaggregate(data);
    if (!parts) {
      if (skipUpTo >= 0) continue; // cannot happen for a plain record; never decide it twice
      users.push({ sequenceNumber, partitionKey, data, checkpointAfter: sequenceNumber });
      continue;
    }
    const last = parts.length - 1;
    for (const part of parts) {
      if (part.subSequenceNumber <= skipUpTo) continue;
      users.push({
        sequenceNumber,
        subSequenceNumber: part.subSequenceNumber,
        partitionKey: part.partitionKey,
        data: part.data,
        checkpointAfter:
          part.subSequenceNumber === last
            ? sequenceNumber
            : formatCheckpoint({ sequenceNumber, subSequenceNumber: part.subSequenceNumber }),
      });
    }
  }
  return users;
}

/** A run of user records committed in one transaction, and the checkpoint that covers it. */
export interface UserRecordChunk {
  records: UserRecord[];
  checkpoint: string;
}

/**
 * Splits the user records of one GetRecords answer into transactions of at most `size` (one
 * aggregated record may hold hundreds). Every chunk but the last ends where its last user record
 * ends (possibly mid-aggregate); the last one checkpoints `lastSequenceNumber`, the last Kinesis
 * record read, so records that yielded no user record (an empty aggregate) are passed too.
 */
export function chunkUserRecords(
  users: readonly UserRecord[],
  size: number,
  lastSequenceNumber: string,
): UserRecordChunk[] {
  const chunks: UserRecordChunk[] = [];
  for (let start = 0; start < users.length; start += size) {
    const records = users.slice(start, start + size);
    chunks.push({ records, checkpoint: records[records.length - 1]!.checkpointAfter });
  }
  if (chunks.length === 0) return [{ records: [], checkpoint: lastSequenceNumber }];
  chunks[chunks.length - 1]!.checkpoint = lastSequenceNumber;
  return chunks;
}
