/**
 * The Kinesis Producer Library's aggregation format, read side. KPL producers (Java, Flink, Fluent
 * Bit, aws-kinesis-agg) pack many user records into one Kinesis record:
 *
 *   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16)
 *
 * (awslabs/amazon-kinesis-producer, aggregation-format.md). A record is treated as aggregated only
 * when all three hold — the magic, a protobuf that decodes with every required field and every index
 * inside its table, and the checksum — exactly as the KCL does: anything that merely starts with the
 * magic is a plain record, decided (or refused as poison) on its own. Each user record's position is
 * its Kinesis record's sequence number plus its sub-sequence number, the index in `records`.
 */
import { createHash } from "node:crypto";
import protobuf from "protobufjs";

export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const MD5_BYTES = 16;

/** One user record out of an aggregated Kinesis record. */
export interface KplUserRecord {
  subSequenceNumber: number;
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

// The message definitions of aggregation-format.md, as protobufjs reflection JSON (no code generation).
const root = protobuf.Root.fromJSON({
  nested: {
    Tag: {
      fields: {
        key: { rule: "required", type: "string", id: 1 },
        value: { rule: "optional", type: "string", id: 2 },
      },
    },
    Record: {
      fields: {
        partition_key_index: { rule: "required", type: "uint64", id: 1 },
        explicit_hash_key_index: { rule: "optional", type: "uint64", id: 2 },
        data: { rule: "required", type: "bytes", id: 3 },
        tags: { rule: "repeated", type: "Tag", id: 4 },
      },
    },
    AggregatedRecord: {
      fields: {
        partition_key_table: { rule: "repeated", type: "string", id: 1 },
        explicit_hash_key_table: { rule: "repeated", type: "string", id: 2 },
        records: { rule: "repeated", type: "Record", id: 3 },
      },
    },
  },
});
const AggregatedRecord = root.lookupType("AggregatedRecord");

interface DecodedAggregate {
  partition_key_table: string[];
  explicit_hash_key_table: string[];
  records: {
    partition_key_index: number | { toNumber(): number };
    explicit_hash_key_index?: unknown;
    data: Uint8Array;
  }[];
}

/** True when the bytes start with the KPL magic (they may still not be a valid aggregate). */
export function hasKplMagic(data: Uint8Array): boolean {
  if (data.length < KPL_MAGIC.length) return false;
  return KPL_MAGIC.every((byte, i) => data[i] === byte);
}

/**
 * The user records of a KPL-aggregated record, or undefined when `data` is not one (no magic, a
 * checksum mismatch, or a protobuf that does not decode): the caller then treats it as plain.
 */
export function deaggregate(data: Uint8Array): KplUserRecord[] | undefined {
  if (!hasKplMagic(data) || data.length < KPL_MAGIC.length + MD5_BYTES) return undefined;
  const body = data.subarray(KPL_MAGIC.length, data.length - MD5_BYTES);
  const checksum = data.subarray(data.length - MD5_BYTES);
  const digest = createHash("md5").update(body).digest();
  if (!digest.equals(checksum)) return undefined;
  let decoded: DecodedAggregate;
  try {
    decoded = AggregatedRecord.toObject(AggregatedRecord.decode(body), {
      longs: Number,
      arrays: true,
    }) as DecodedAggregate;
  } catch {
    return undefined;
  }
  const users: KplUserRecord[] = [];
  for (const [index, record] of decoded.records.entries()) {
    const partitionKey = decoded.partition_key_table[Number(record.partition_key_index)];
    if (partitionKey === undefined) return undefined;
    const user: KplUserRecord = { subSequenceNumber: index, partitionKey, data: record.data };
    if (record.explicit_hash_key_index !== undefined && record.explicit_hash_key_index !== null) {
      const hashKey = decoded.explicit_hash_key_table[Number(record.explicit_hash_key_index)];
      if (hashKey === undefined) return undefined;
      user.explicitHashKey = hashKey;
    }
    users.push(user);
  }
  return users;
}
