/**
 * Producer-side KPL aggregation, read back by awslabs' reference deaggregator on a real kinesalite:
 * round trip, every order on the shard its key maps to, per-key order, exactly once through failed
 * aggregates, and the one-order-per-record switch.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { hashKeyOf, KPL_MAGIC, KplAggregate, type UserRecord } from "../src/modes/stream/kpl-aggregator.js";
import { decodeOrderRecord } from "../src/modes/stream/record.js";
import { AGGREGATE_MAX_BYTES, aggregatingPacker } from "../src/modes/stream/record-packer.js";
import { ShardMap } from "../src/modes/stream/shard-map.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import type { BatchEntry } from "../src/pipeline/micro-batcher.js";
import { type LocalKinesis, startLocalKinesis } from "../tools/local/kinesalite.js";
import { createTestStream, readRawRecords } from "./support/kinesis.js";
import { readUserRecords, referenceDeaggregate } from "./support/kpl-reference.js";

let kinesis: LocalKinesis;
let client: KinesisClient;

before(async () => {
  kinesis = await startLocalKinesis();
  client = createKinesisClient({ streamName: "unused", region: "eu-central-1", endpoint: kinesis.endpoint });
});
after(async () => {
  client.destroy();
  await kinesis.stop();
});

const newOrder = (): AcceptedOrder => ({
  orderId: randomUUID(),
  customerId: "cust-aggregation",
  currency: "EUR",
  items: [{ sku: "TSHIRT-BLK-M", quantity: 2 }],
  acceptedAt: new Date().toISOString(),
});

/** The open shard that owns each hash key, from ListShards, independently of ShardMap. */
async function shardOwner(streamName: string): Promise<(partitionKey: string) => string> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  return (partitionKey) => {
    const key = hashKeyOf(partitionKey);
    const shard = Shards.find(
      (s) => BigInt(s.HashKeyRange!.StartingHashKey!) <= key && key <= BigInt(s.HashKeyRange!.EndingHashKey!),
    );
    return shard!.ShardId!;
  };
}

describe("KplAggregate", () => {
  test("encodes what the reference deaggregator reads back, checksum verified, at the size it predicted", () => {
    const aggregate = new KplAggregate(AGGREGATE_MAX_BYTES);
    const records: UserRecord[] = [
      { partitionKey: "a", data: Buffer.from("first") },
      { partitionKey: "b", explicitHashKey: "12345", data: Buffer.from("second") },
      { partitionKey: "a", data: Buffer.alloc(300, 7) },
    ];
    for (const record of records) assert.equal(aggregate.tryAdd(record), true);
    const entry = aggregate.encode();
    assert.deepEqual([...entry.Data.subarray(0, 4)], [...KPL_MAGIC]);
    assert.equal(entry.PartitionKey, "a");
    assert.equal(entry.Data.byteLength + Buffer.byteLength(entry.PartitionKey), aggregate.sizeBytes);
    const read = referenceDeaggregate(entry.Data, entry.PartitionKey, "1");
    assert.deepEqual(
      read.map((r) => [r.partitionKey, r.data.toString("hex")]),
      records.map((r) => [r.partitionKey, Buffer.from(r.data).toString("hex")]),
    );
  });

  test("refuses a record that would take it past its limit, and stays within it", () => {
    const aggregate = new KplAggregate(2_000);
    let added = 0;
    while (aggregate.tryAdd({ partitionKey: randomUUID(), data: Buffer.alloc(180, 1) })) added++;
    assert.ok(added >= 5, `only ${added} records fit`);
    const entry = aggregate.encode();
    assert.ok(entry.Data.byteLength + entry.PartitionKey.length <= 2_000);
    assert.equal(referenceDeaggregate(entry.Data, entry.PartitionKey, "1").length, added);
  });

  test("an empty aggregate has nothing to encode", () => {
    assert.throws(() => new KplAggregate(100).encode(), /empty aggregate/);
  });
});

describe("aggregating producer on kinesalite", () => {
  test("many orders per record, each order once and on the shard its key maps to", async () => {
    const streamName = await createTestStream(client, "agg", 4);
    const put = { records: 0, bytes: 0 };
    const intake = new KinesisOrderIntake(client, {
      streamName,
      aggregate: true,
      lingerMs: 20,
      onRecordsPut: (records, bytes) => {
        put.records += records;
        put.bytes += bytes;
      },
    });
    // Readiness loads the shard map, as it does before a running service takes traffic.
    await intake.checkReady();
    const orders = Array.from({ length: 1_200 }, newOrder);
    await Promise.all(orders.map((order) => intake.submit(order)));
    await intake.close();

    const raw = await readRawRecords(client, streamName);
    assert.ok(raw.length * 10 <= orders.length, `${raw.length} records for ${orders.length} orders`);
    // What the metrics report is what is on the stream.
    assert.equal(put.records, raw.length);
    assert.equal(
      put.bytes,
      raw.reduce((sum, r) => sum + r.data.byteLength + Buffer.byteLength(r.partitionKey), 0),
    );
    const owner = await shardOwner(streamName);
    const users = await readUserRecords(client, streamName);
    const ids = users.map((user) => {
      const decoded = decodeOrderRecord(user.data);
      assert.ok(decoded.ok, "every sub-record is a valid order record");
      assert.equal(decoded.order.orderId, user.partitionKey);
      assert.equal(user.shardId, owner(user.partitionKey), `order ${user.partitionKey} on the wrong shard`);
      return decoded.order.orderId;
    });
    assert.equal(new Set(ids).size, ids.length, "no order twice");
    for (const order of orders) assert.ok(ids.includes(order.orderId), `order ${order.orderId} missing`);
  });

  test("records of one partition key keep their order through aggregation", async () => {
    const streamName = await createTestStream(client, "agg-order", 3);
    const shards = new ShardMap(client, streamName);
    await shards.refresh();
    const keys = ["k-alpha", "k-beta", "k-gamma", "k-delta", "k-epsilon"];
    const batch: BatchEntry<UserRecord>[] = [];
    for (let n = 0; n < 40; n++) {
      for (const key of keys) {
        batch.push({
          item: { partitionKey: key, data: Buffer.from(`${key}:${n}`) },
          weight: 1,
          attempts: 0,
          resolve: () => {},
          reject: () => {},
        });
      }
    }
    // Small aggregates so each key spans several Kinesis records.
    const packed = aggregatingPacker(shards, 600)(batch);
    assert.ok(packed.length > 3);
    await client.send(new PutRecordsCommand({ StreamName: streamName, Records: packed.map((p) => p.entry) }));
    const users = await readUserRecords(client, streamName);
    assert.equal(users.length, batch.length);
    for (const key of keys) {
      const sequence = users
        .filter((u) => u.partitionKey === key)
        .map((u) => Number(u.data.toString().split(":")[1]));
      assert.deepEqual(
        sequence,
        Array.from({ length: 40 }, (_, n) => n),
        `order of ${key}`,
      );
    }
  });

  test("a failed aggregate is retried whole and each of its orders lands exactly once", async () => {
    const streamName = await createTestStream(client, "agg-retry", 2);
    const faulty = createKinesisClient({ streamName, region: "eu-central-1", endpoint: kinesis.endpoint });
    const original = faulty.send.bind(faulty) as (command: unknown) => Promise<unknown>;
    let failedAggregates = 0;
    // The first aggregated entry of each of the first two calls is withheld and reported failed, as a
    // throttled shard does; the rest of the call goes through.
    faulty.send = (async (command: unknown) => {
      if (!(command instanceof PutRecordsCommand)) return original(command);
      const entries = command.input.Records ?? [];
      const victim =
        failedAggregates < 2
          ? entries.findIndex((e) => Buffer.from(e.Data!).subarray(0, 4).equals(KPL_MAGIC))
          : -1;
      if (victim < 0) return original(command);
      failedAggregates++;
      const passing = entries.filter((_, i) => i !== victim);
      const real = (
        passing.length > 0
          ? await original(new PutRecordsCommand({ ...command.input, Records: passing }))
          : { Records: [], $metadata: {} }
      ) as PutRecordsCommandOutput;
      const results = [...(real.Records ?? [])];
      results.splice(victim, 0, {
        ErrorCode: "ProvisionedThroughputExceededException",
        ErrorMessage: "injected",
      });
      return { ...real, Records: results, FailedRecordCount: 1 };
    }) as KinesisClient["send"];
    const intake = new KinesisOrderIntake(faulty, {
      streamName,
      aggregate: true,
      lingerMs: 20,
      backoffBaseMs: 5,
    });
    await intake.checkReady();
    const orders = Array.from({ length: 400 }, newOrder);
    await Promise.all(orders.map((order) => intake.submit(order)));
    await intake.close();
    faulty.destroy();
    assert.equal(failedAggregates, 2);

    const ids = (await readUserRecords(client, streamName)).map((u) => u.partitionKey);
    assert.equal(new Set(ids).size, ids.length, "an order of a retried aggregate appears twice");
    for (const order of orders) assert.ok(ids.includes(order.orderId), `order ${order.orderId} lost`);
  });

  test("without a shard map (not loaded, or ListShards failing) orders go one per record", async () => {
    const shards = new ShardMap(client, "no-such-stream");
    await shards.refresh(); // fails (no such stream) and keeps the empty map
    const batch: BatchEntry<UserRecord>[] = Array.from({ length: 20 }, (_, n) => ({
      item: { partitionKey: `k-${n}`, data: Buffer.from(String(n)) },
      weight: 1,
      attempts: 0,
      resolve: () => {},
      reject: () => {},
    }));
    const packed = aggregatingPacker(shards)(batch);
    assert.equal(packed.length, 20);
    for (const record of packed) {
      assert.equal(Buffer.from(record.entry.Data).subarray(0, 4).equals(KPL_MAGIC), false);
      assert.equal(record.members.length, 1);
    }
  });

  test("KINESIS_AGGREGATION off: one plain order record per Kinesis record", async () => {
    const streamName = await createTestStream(client, "agg-off", 2);
    const intake = new KinesisOrderIntake(client, { streamName, aggregate: false });
    const orders = Array.from({ length: 50 }, newOrder);
    await Promise.all(orders.map((order) => intake.submit(order)));
    await intake.close();
    const raw = await readRawRecords(client, streamName);
    assert.equal(raw.length, orders.length);
    for (const record of raw) {
      assert.equal(Buffer.from(record.data).subarray(0, 4).equals(KPL_MAGIC), false);
      assert.ok(decodeOrderRecord(record.data).ok);
    }
  });
});
