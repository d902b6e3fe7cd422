/**
 * awslabs' reference deaggregator (aws-kinesis-agg), to prove other consumers read what we aggregate.
 * Loaded through require with a local type: the package's own typings pull in aws-sdk v2 and Lambda
 * types this repository does not have.
 */
import { createRequire } from "node:module";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { readRawRecords } from "./kinesis.js";

interface ReferenceUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  data: string;
}

interface ReferenceDeaggregator {
  deaggregateSync(
    record: { data: string; partitionKey: string; sequenceNumber: string },
    computeChecksums: boolean,
    done: (error: Error | null, records?: ReferenceUserRecord[]) => void,
  ): void;
}

const reference = createRequire(import.meta.url)("aws-kinesis-agg") as ReferenceDeaggregator;

export interface UserRecordRead {
  shardId: string;
  /** The Kinesis record it came in, and its position there (0 for a plain record). */
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
}

/** Deaggregates one Kinesis record with the reference library, checksums verified. */
export function referenceDeaggregate(
  data: Uint8Array,
  partitionKey: string,
  sequenceNumber: string,
): { partitionKey: string; data: Buffer }[] {
  let out: { partitionKey: string; data: Buffer }[] = [];
  reference.deaggregateSync(
    { data: Buffer.from(data).toString("base64"), partitionKey, sequenceNumber },
    true,
    (error, records) => {
      if (error) throw error;
      out = (records ?? []).map((record) => ({
        partitionKey: record.partitionKey,
        data: Buffer.from(record.data, "base64"),
      }));
    },
  );
  return out;
}

/** Every user record on the stream, each aggregate opened by the reference deaggregator. */
export async function readUserRecords(client: KinesisClient, streamName: string): Promise<UserRecordRead[]> {
  const raw = await readRawRecords(client, streamName);
  return raw.flatMap((record) =>
    referenceDeaggregate(record.data, record.partitionKey, record.sequenceNumber).map((user) => ({
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      ...user,
    })),
  );
}
