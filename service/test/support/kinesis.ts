/**
 * Kinesis helpers for intake tests: a unique stream per test on the shared kinesalite, and readers
 * that collect every record of a stream (all shards, from the oldest record), raw or decoded.
 */
import { randomBytes } from "node:crypto";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";
import { ensureStream } from "../../src/modes/stream/kinesis-client.js";

export async function createTestStream(
  client: KinesisClient,
  label: string,
  shards: number,
): Promise<string> {
  const name = `${label}-${randomBytes(4).toString("hex")}`;
  await ensureStream(client, name, shards);
  return name;
}

/** Every Kinesis record of the stream (all shards, oldest first), raw, with the shard it is on. */
export async function readRawRecords(
  client: KinesisClient,
  streamName: string,
): Promise<{ shardId: string; sequenceNumber: string; partitionKey: string; data: Uint8Array }[]> {
  const out: { shardId: string; sequenceNumber: string; partitionKey: string; data: Uint8Array }[] = [];
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId!,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        out.push({
          shardId: shard.ShardId!,
          sequenceNumber: record.SequenceNumber!,
          partitionKey: record.PartitionKey!,
          data: record.Data!,
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** Every record on the stream, decoded as UTF-8 JSON, in shard then sequence order. */
export async function readStream(
  client: KinesisClient,
  streamName: string,
): Promise<{ shardId: string; partitionKey: string; body: unknown }[]> {
  return (await readRawRecords(client, streamName)).map((record) => ({
    shardId: record.shardId,
    partitionKey: record.partitionKey,
    body: JSON.parse(new TextDecoder().decode(record.data)),
  }));
}
