/**
 * The quarantine table (migration 0003): where a record or PENDING order that cannot be decided goes,
 * inside the same transaction that moves its intake past it, so it is neither lost nor retried
 * forever. Operators list, replay or discard entries; a resolved entry keeps how and why.
 */
import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { dialectOf } from "./dialect/index.js";

export const QUARANTINE_REASONS = ["poison", "unstorable", "failed"] as const;
/**
 * poison: the bytes are not an order record (bad UTF-8 or JSON, schema violation, unknown version);
 * unstorable: the database refused the order's values; failed: any other error that kept failing
 * on this record alone, after every other record of its batch was decided.
 */
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];
export const QUARANTINE_STATES = ["QUARANTINED", "REPLAYED", "DISCARDED"] as const;
export type QuarantineState = (typeof QUARANTINE_STATES)[number];

export interface QuarantineEntry {
  intake: "stream" | "table";
  streamName?: string;
  shardId?: string;
  sequenceNumber?: string;
  subSequenceNumber?: number;
  partitionKey?: string;
  orderId?: string;
  rawData: Uint8Array;
  reason: QuarantineReason;
  error: string;
  attempts: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface QuarantinedRecord extends QuarantineEntry {
  quarantineId: string;
  state: QuarantineState;
  resolution?: string;
  resolvedAt?: Date;
}

type QuarantineTable = {
  quarantine_id: string;
  record_key: string;
  intake: "stream" | "table";
  stream_name: string | null;
  shard_id: string | null;
  sequence_number: string | null;
  sub_sequence_number: number | null;
  partition_key: string | null;
  order_id: string | null;
  raw_data: Uint8Array;
  reason: QuarantineReason;
  error: string;
  attempts: number;
  first_seen_at: Date;
  last_seen_at: Date;
  state: QuarantineState;
  resolution: string | null;
  resolved_at: Date | null;
};

export type QuarantineTables = {
  quarantined_records: QuarantineTable;
};

// biome-ignore lint/suspicious/noExplicitAny: works on any database that has the quarantine table
type AnyDb = Kysely<any> | Transaction<any>;
const table = (db: AnyDb) => (db as Kysely<QuarantineTables>).withTables<QuarantineTables>();

/** The origin of an entry as one string: one row per record however often it is quarantined. */
export function recordKeyOf(entry: QuarantineEntry): string {
  if (entry.intake === "table") return `table:${entry.orderId}`;
  return `stream:${entry.streamName}/${entry.shardId}/${entry.sequenceNumber}/${entry.subSequenceNumber ?? "-"}`;
}

const ERROR_MAX = 2_000;

/**
 * Quarantines `entries` inside the caller's transaction. An entry whose record is already there (a
 * batch replayed after a crash, or a replay that failed again) is updated: attempts, error, last seen,
 * and it is open again.
 */
export async function quarantineRecords(trx: AnyDb, entries: readonly QuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((entry) => ({
    quarantine_id: randomUUID(),
    record_key: recordKeyOf(entry),
    intake: entry.intake,
    stream_name: entry.streamName ?? null,
    shard_id: entry.shardId ?? null,
    sequence_number: entry.sequenceNumber ?? null,
    sub_sequence_number: entry.subSequenceNumber ?? null,
    partition_key: entry.partitionKey?.slice(0, 256) ?? null,
    order_id: entry.orderId ?? null,
    raw_data: entry.rawData,
    reason: entry.reason,
    error: entry.error.slice(0, ERROR_MAX),
    attempts: entry.attempts,
    first_seen_at: entry.firstSeenAt,
    last_seen_at: entry.lastSeenAt,
    state: "QUARANTINED" as const,
    resolution: null,
    resolved_at: null,
  }));
  const dialect = dialectOf(trx);
  for (const row of rows) {
    const update = {
      attempts: row.attempts,
      error: row.error,
      reason: row.reason,
      last_seen_at: row.last_seen_at,
      state: "QUARANTINED" as const,
      resolution: null,
      resolved_at: null,
    };
    await dialect.upsert(trx, "quarantined_records", ["record_key"], row, update);
  }
}

function toRecord(row: QuarantineTable): QuarantinedRecord {
  return {
    quarantineId: row.quarantine_id,
    intake: row.intake,
    ...(row.stream_name !== null ? { streamName: row.stream_name } : {}),
    ...(row.shard_id !== null ? { shardId: row.shard_id } : {}),
    ...(row.sequence_number !== null ? { sequenceNumber: row.sequence_number } : {}),
    ...(row.sub_sequence_number !== null ? { subSequenceNumber: Number(row.sub_sequence_number) } : {}),
    ...(row.partition_key !== null ? { partitionKey: row.partition_key } : {}),
    ...(row.order_id !== null ? { orderId: row.order_id } : {}),
    rawData: new Uint8Array(row.raw_data),
    reason: row.reason,
    error: row.error,
    attempts: Number(row.attempts),
    firstSeenAt: new Date(row.first_seen_at),
    lastSeenAt: new Date(row.last_seen_at),
    state: row.state,
    ...(row.resolution !== null ? { resolution: row.resolution } : {}),
    ...(row.resolved_at !== null ? { resolvedAt: new Date(row.resolved_at) } : {}),
  };
}

/** Entries in `state` (default: the open ones), most recently seen first. */
export async function listQuarantined(
  db: AnyDb,
  options: { state?: QuarantineState; limit: number },
): Promise<QuarantinedRecord[]> {
  const rows = await table(db)
    .selectFrom("quarantined_records")
    .selectAll()
    .where("state", "=", options.state ?? "QUARANTINED")
    .orderBy("last_seen_at", "desc")
    .orderBy("quarantine_id")
    .limit(options.limit)
    .execute();
  return rows.map(toRecord);
}

export async function getQuarantined(
  db: AnyDb,
  quarantineId: string,
): Promise<QuarantinedRecord | undefined> {
  const row = await table(db)
    .selectFrom("quarantined_records")
    .selectAll()
    .where("quarantine_id", "=", quarantineId.toLowerCase())
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/**
 * Closes an open entry as REPLAYED or DISCARDED with the reason given. Returns false when it was not
 * open (already resolved, or unknown): resolving is a compare-and-set, so two operators cannot both
 * replay one record.
 */
export async function resolveQuarantined(
  db: AnyDb,
  quarantineId: string,
  state: Exclude<QuarantineState, "QUARANTINED">,
  resolution: string,
  now = new Date(),
): Promise<boolean> {
  const result = await table(db)
    .updateTable("quarantined_records")
    .set({ state, resolution: resolution.slice(0, 500), resolved_at: now })
    .where("quarantine_id", "=", quarantineId.toLowerCase())
    .where("state", "=", "QUARANTINED")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Open entries per reason (the quarantine gauge after a restart; readiness). */
export async function countOpenByReason(db: AnyDb): Promise<Map<QuarantineReason, number>> {
  const rows = await table(db)
    .selectFrom("quarantined_records")
    .select(["reason", (eb) => eb.fn.countAll<number>().as("n")])
    .where("state", "=", "QUARANTINED")
    .groupBy("reason")
    .execute();
  return new Map(rows.map((r) => [r.reason, Number(r.n)]));
}
