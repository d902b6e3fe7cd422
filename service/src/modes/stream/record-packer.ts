/**
 * Turns a batch of orders into PutRecords entries: one order per record, or KPL aggregates (see
 * kpl-aggregator.ts) grouped per target shard.
 *
 * Why per shard and not per partition key: the partition key is the order id, unique per order, so
 * aggregating per key would put one order in each record. Grouping by the shard each key hashes to
 * (the shard map) keeps every order on the shard Kinesis would have put it on alone, which is what a
 * KCL consumer checks when it deaggregates, and what keeps the per-key order of records.
 *
 * Why AGGREGATE_MAX_BYTES = 25 KiB: Kinesis bills PUT payload units of 25 KB, so a record just under
 * one unit costs the same as a tiny one and any more starts a second unit; 25 KiB holds about a
 * hundred typical orders, enough to reach the per-shard byte limit (1 MiB/s = ~40 such records/s,
 * far under 1,000 records/s), and small enough that filling one never waits on more than a few
 * milliseconds of orders. https://aws.amazon.com/kinesis/data-streams/pricing/
 */
import type { BatchEntry } from "../../pipeline/micro-batcher.js";
import { hashKeyOf, type KinesisEntry, KplAggregate, type UserRecord } from "./kpl-aggregator.js";
import type { ShardMap } from "./shard-map.js";

/** Kinesis data + partition key of one aggregate, at most. */
export const AGGREGATE_MAX_BYTES = 25 * 1024;

/** One PutRecords entry and the submissions it carries (settled together by its result). */
export interface PackedRecord<T extends UserRecord = UserRecord> {
  readonly entry: KinesisEntry;
  readonly members: BatchEntry<T>[];
  /** The shard the map expected it on (aggregates only), to notice a reshard. */
  readonly expectedShard?: string;
}

export type RecordPacker = <T extends UserRecord>(batch: BatchEntry<T>[]) => PackedRecord<T>[];

/** One order per Kinesis record: for consumers that do not deaggregate. */
export const packOnePerRecord: RecordPacker = (batch) =>
  batch.map((pending) => ({ entry: plainEntry(pending.item), members: [pending] }));

/**
 * Aggregates per target shard. Orders whose shard the map does not know (no map yet) go one per
 * record, which is correct on any shard layout; an aggregate of one order goes as a plain record too.
 */
export function aggregatingPacker(shards: ShardMap, maxBytes = AGGREGATE_MAX_BYTES): RecordPacker {
  return <T extends UserRecord>(batch: BatchEntry<T>[]) => {
    const packed: PackedRecord<T>[] = [];
    const open = new Map<string, { aggregate: KplAggregate; members: BatchEntry<T>[] }>();
    const seal = (shardId: string): void => {
      const current = open.get(shardId);
      if (!current) return;
      open.delete(shardId);
      packed.push(
        current.members.length === 1
          ? { entry: plainEntry(current.members[0]!.item), members: current.members }
          : { entry: current.aggregate.encode(), members: current.members, expectedShard: shardId },
      );
    };
    for (const pending of batch) {
      const record = pending.item;
      const shardId = shards.shardOf(hashKeyOf(record.partitionKey, record.explicitHashKey));
      if (shardId === undefined) {
        packed.push({ entry: plainEntry(record), members: [pending] });
        continue;
      }
      let current = open.get(shardId);
      if (current && !current.aggregate.tryAdd(record)) {
        seal(shardId);
        current = undefined;
      }
      if (!current) {
        current = { aggregate: new KplAggregate(maxBytes), members: [] };
        current.aggregate.tryAdd(record);
        open.set(shardId, current);
      }
      current.members.push(pending);
    }
    for (const shardId of [...open.keys()]) seal(shardId);
    return packed;
  };
}

function plainEntry(record: UserRecord): KinesisEntry {
  return {
    PartitionKey: record.partitionKey,
    ...(record.explicitHashKey === undefined ? {} : { ExplicitHashKey: record.explicitHashKey }),
    Data: record.data,
  };
}
