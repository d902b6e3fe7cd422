/**
 * Producer-side aggregation in the Kinesis Producer Library's aggregation format, so many orders travel
 * in one Kinesis record and any KPL-aware consumer (KCL, aws-kinesis-agg, our own worker once it
 * deaggregates) reads them back one by one:
 *
 *   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16)
 *
 *   message AggregatedRecord {
 *     repeated string partition_key_table = 1;
 *     repeated string explicit_hash_key_table = 2;
 *     repeated Record records = 3;
 *   }
 *   message Record {
 *     required uint64 partition_key_index = 1;
 *     optional uint64 explicit_hash_key_index = 2;
 *     required bytes data = 3;
 *   }
 *
 * Format: https://github.com/awslabs/amazon-kinesis-producer/blob/master/aggregation-format.md
 *
 * Why: a Kinesis shard takes 1,000 records/s or 1 MiB/s, whichever comes first. One ~250-byte order
 * per record hits the record limit at a quarter of the byte limit; aggregating moves the ceiling to
 * the byte limit, and divides the per-record work of the SDK (and of kinesalite locally) by the
 * number of orders per record.
 *
 * Size is computed exactly as orders are added (protobuf lengths are known up front), so an aggregate
 * never exceeds the limit it was given; protobufjs's Writer does the encoding.
 */
import { createHash } from "node:crypto";
import protobuf from "protobufjs/minimal.js";

/** The four bytes every KPL aggregated record starts with. */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_BYTES = 16;

/** One user record (an order) to aggregate: its partition key, optional explicit hash key, and bytes. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

/** What one aggregate becomes on the wire: one PutRecords entry. */
export interface KinesisEntry {
  PartitionKey: string;
  ExplicitHashKey?: string;
  Data: Uint8Array;
}

interface Member {
  partitionKeyIndex: number;
  explicitHashKeyIndex: number | undefined;
  data: Uint8Array;
  /** Bytes of the encoded Record message body (without its field tag and length). */
  bodyBytes: number;
}

/**
 * The 128-bit hash key Kinesis maps a partition key to (MD5 of its UTF-8 bytes, as an unsigned
 * big-endian integer), or the explicit hash key when one is given. Shards own ranges of this value.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html
 */
export function hashKeyOf(partitionKey: string, explicitHashKey?: string): bigint {
  if (explicitHashKey !== undefined) return BigInt(explicitHashKey);
  return BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`);
}

export class KplAggregate {
  private readonly partitionKeys = new Map<string, number>();
  private readonly explicitHashKeys = new Map<string, number>();
  private readonly members: Member[] = [];
  private firstRecord: UserRecord | undefined;
  /** Bytes of the AggregatedRecord protobuf so far. */
  private protobufBytes = 0;

  /** `maxBytes`: the Kinesis record size (data + partition key) this aggregate must stay within. */
  constructor(readonly maxBytes: number) {}

  get count(): number {
    return this.members.length;
  }

  /** Size Kinesis counts for the record this encodes to: its data plus its partition key. */
  get sizeBytes(): number {
    if (!this.firstRecord) return 0;
    return this.recordBytes(this.protobufBytes, this.firstRecord.partitionKey);
  }

  /**
   * Adds the record if the aggregate stays within `maxBytes`; an empty aggregate always takes it (a
   * record that is too big alone is the caller's to refuse). Returns whether it was added.
   */
  tryAdd(record: UserRecord): boolean {
    const newPartitionKey = !this.partitionKeys.has(record.partitionKey);
    const hashKey = record.explicitHashKey;
    const newHashKey = hashKey !== undefined && !this.explicitHashKeys.has(hashKey);
    const partitionKeyIndex = this.partitionKeys.get(record.partitionKey) ?? this.partitionKeys.size;
    const explicitHashKeyIndex =
      hashKey === undefined ? undefined : (this.explicitHashKeys.get(hashKey) ?? this.explicitHashKeys.size);

    const bodyBytes =
      1 +
      varintBytes(partitionKeyIndex) +
      (explicitHashKeyIndex === undefined ? 0 : 1 + varintBytes(explicitHashKeyIndex)) +
      lengthDelimitedBytes(record.data.byteLength);
    const added =
      (newPartitionKey ? lengthDelimitedBytes(Buffer.byteLength(record.partitionKey)) : 0) +
      (newHashKey ? lengthDelimitedBytes(Buffer.byteLength(hashKey)) : 0) +
      lengthDelimitedBytes(bodyBytes);
    const first = this.firstRecord ?? record;
    if (
      this.members.length > 0 &&
      this.recordBytes(this.protobufBytes + added, first.partitionKey) > this.maxBytes
    ) {
      return false;
    }
    if (newPartitionKey) this.partitionKeys.set(record.partitionKey, partitionKeyIndex);
    if (newHashKey) this.explicitHashKeys.set(hashKey, explicitHashKeyIndex as number);
    this.members.push({ partitionKeyIndex, explicitHashKeyIndex, data: record.data, bodyBytes });
    this.protobufBytes += added;
    this.firstRecord = first;
    return true;
  }

  /**
   * The PutRecords entry. Its partition key (and explicit hash key) are the first member's, so the
   * aggregate lands where its first order would have; the caller groups members by shard so all of
   * them map there too.
   */
  encode(): KinesisEntry {
    const first = this.firstRecord;
    if (!first) throw new Error("an empty aggregate has nothing to encode");
    const writer = protobuf.Writer.create();
    for (const key of this.partitionKeys.keys()) writer.uint32(tag(1)).string(key);
    for (const key of this.explicitHashKeys.keys()) writer.uint32(tag(2)).string(key);
    for (const member of this.members) {
      writer.uint32(tag(3)).uint32(member.bodyBytes);
      writer.uint32(tag(1, 0)).uint64(member.partitionKeyIndex);
      if (member.explicitHashKeyIndex !== undefined)
        writer.uint32(tag(2, 0)).uint64(member.explicitHashKeyIndex);
      writer.uint32(tag(3)).bytes(member.data);
    }
    const body = writer.finish();
    if (body.byteLength !== this.protobufBytes) {
      throw new Error(`aggregate size drifted: computed ${this.protobufBytes}, encoded ${body.byteLength}`);
    }
    const digest = createHash("md5").update(body).digest();
    const data = Buffer.concat([KPL_MAGIC, body, digest]);
    return {
      PartitionKey: first.partitionKey,
      ...(first.explicitHashKey === undefined ? {} : { ExplicitHashKey: first.explicitHashKey }),
      Data: data,
    };
  }

  private recordBytes(protobufBytes: number, partitionKey: string): number {
    return KPL_MAGIC.byteLength + protobufBytes + DIGEST_BYTES + Buffer.byteLength(partitionKey);
  }
}

/** A protobuf field key: field number and wire type (2 = length-delimited, 0 = varint). */
function tag(field: number, wireType = 2): number {
  return (field << 3) | wireType;
}

function varintBytes(value: number): number {
  let bytes = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    bytes++;
  }
  return bytes;
}

/** Tag byte + length varint + payload, for a field numbered below 16. */
function lengthDelimitedBytes(length: number): number {
  return 1 + varintBytes(length) + length;
}
