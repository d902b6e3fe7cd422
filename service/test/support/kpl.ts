/**
 * KPL-aggregated records built by awslabs' own aggregation library (aws-kinesis-agg, a dev
 * dependency), so the worker's deaggregation is checked against the producer side it must read, not
 * against an encoder written here.
 */
import { createRequire } from "node:module";

interface EncodedRecord {
  partitionKey: string;
  data: Buffer;
}

interface AwsKinesisAgg {
  aggregate(
    records: { partitionKey: string; data: Buffer; explicitHashKey?: string }[],
    onEncoded: (record: EncodedRecord, done: (error?: Error) => void) => void,
    afterAll: () => void,
    onError: (error: Error) => void,
  ): void;
}

// The package ships CommonJS and types that need aws-sdk v2; only these two functions are used.
const agg = createRequire(import.meta.url)("aws-kinesis-agg") as AwsKinesisAgg;

/** Aggregates user records into as many Kinesis records as the library decides (usually one). */
export function aggregateRecords(
  records: { partitionKey: string; data: Uint8Array; explicitHashKey?: string }[],
): Promise<EncodedRecord[]> {
  return new Promise((resolve, reject) => {
    const encoded: EncodedRecord[] = [];
    agg.aggregate(
      records.map((r) => ({ ...r, data: Buffer.from(r.data) })),
      (record, done) => {
        encoded.push({ partitionKey: record.partitionKey, data: Buffer.from(record.data) });
        done();
      },
      () => resolve(encoded),
      reject,
    );
  });
}
