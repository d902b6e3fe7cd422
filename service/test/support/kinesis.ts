/**
 * Kinesis helpers for intake tests: a unique stream per test on the shared kinesalite, and a reader
 * that collects every record of a stream (all shards, from the oldest record).
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

/** Every record on the stream, decoded as UTF-8 JSON, in shard then sequence order. */
export async function readStream(
  client: KinesisClient,
  streamName: string,
): Promise<{ shardId: string; partitionKey: string; body: unknown }[]> {
  const out: { shardId: string; partitionKey: string; body: unknown }[] = [];
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
          partitionKey: record.PartitionKey!,
          body: JSON.parse(new TextDecoder().decode(record.Data)),
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
