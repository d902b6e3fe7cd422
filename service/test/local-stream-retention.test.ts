/**
 * The local stream's retention (tools/local/stream-retention.ts, kinesalite-retention.ts) against a
 * real kinesalite — in memory on the main loop and on disk on its own thread, as `fastcart local`
 * runs it — and the workers' real checkpoints in PostgreSQL: a record goes only once it is both
 * committed and past the retention, and on disk its space is given back.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import type { Kysely } from "kysely";
import { Registry } from "prom-client";
import { createKinesisClient, ensureStream } from "../src/modes/stream/kinesis-client.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { LeaseStore } from "../src/store/leases.js";
import { migrate } from "../src/store/migrations/index.js";
import type { Database } from "../src/store/schema.js";
import { createLogger } from "../src/telemetry/logger.js";
import { type LocalKinesis, startLocalKinesis } from "../tools/local/kinesalite.js";
import { startStreamRetention } from "../tools/local/stream-retention.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

/** Explicit hash keys at the start of each half of the hash range: shard 0 and shard 1 of a 2-shard stream. */
const SHARD_0 = "0";
const SHARD_1 = (2n ** 127n).toString();

const clientFor = (kinesis: LocalKinesis) =>
  createKinesisClient({ streamName: "", region: "eu-central-1", endpoint: kinesis.endpoint });

async function put(client: KinesisClient, stream: string, hashKey: string, count: number, bytes = 16) {
  const sequenceNumbers: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const result = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: n }, (_, i) => ({
          PartitionKey: `k${start + i}`,
          ExplicitHashKey: hashKey,
          // Random, so LevelDB's compression does not shrink the test's bytes on disk.
          Data: randomBytes(bytes),
        })),
      }),
    );
    assert.equal(result.FailedRecordCount, 0);
    sequenceNumbers.push(...(result.Records ?? []).map((record) => record.SequenceNumber!));
  }
  return { sequenceNumbers };
}

/** Sequence numbers left in a shard, from the oldest record kinesalite still has. */
async function remaining(client: KinesisClient, stream: string, shardId: string): Promise<string[]> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }),
  );
  const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
  return (page.Records ?? []).map((record) => record.SequenceNumber!);
}

async function twoShardStream(client: KinesisClient, stream: string): Promise<[string, string]> {
  await ensureStream(client, stream, 2);
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  return [Shards[0]!.ShardId!, Shards[1]!.ShardId!];
}

for (const mode of [
  { name: "in memory on the main loop", options: {} },
  { name: "on disk on its own thread (fastcart local)", options: { thread: true, onDisk: true } },
]) {
  describe(`trimCommitted: kinesalite ${mode.name}`, () => {
    let kinesis: LocalKinesis;
    let client: KinesisClient;
    before(async () => {
      kinesis = await startLocalKinesis(mode.options);
      client = clientFor(kinesis);
    });
    after(async () => {
      client.destroy();
      await kinesis.stop();
    });

    test("deletes a shard's records before the kept one once they are past the cut-off, nothing else", async () => {
      const [shard0, shard1] = await twoShardStream(client, "trim");
      const first = await put(client, "trim", SHARD_0, 10);
      const second = await put(client, "trim", SHARD_1, 10);

      const result = await kinesis.trimCommitted({
        streamName: "trim",
        keepFrom: { [shard0]: first.sequenceNumbers[6]! },
        cutoffMs: Date.now() + 5_000,
      });
      assert.deepEqual(result.deleted, { [shard0]: 6 });
      assert.deepEqual(
        await remaining(client, "trim", shard0),
        first.sequenceNumbers.slice(6),
        "from the kept one on",
      );
      assert.deepEqual(
        await remaining(client, "trim", shard1),
        second.sequenceNumbers,
        "a shard not named is untouched",
      );

      // Committed but younger than the cut-off: kept.
      const young = await kinesis.trimCommitted({
        streamName: "trim",
        keepFrom: { [shard1]: second.sequenceNumbers[9]! },
        cutoffMs: Date.now() - 60_000,
      });
      assert.deepEqual(young.deleted, { [shard1]: 0 });
      assert.equal((await remaining(client, "trim", shard1)).length, 10);
    });

    test("the walk stops at the first record written after the cut-off, inside one batch", async () => {
      const [shard0] = await twoShardStream(client, "trim-boundary");
      const older = await put(client, "trim-boundary", SHARD_0, 7);
      // Sequence numbers carry the write time in whole seconds: a cut-off more than a second from both.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const cutoffMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const newer = await put(client, "trim-boundary", SHARD_0, 5);
      const result = await kinesis.trimCommitted({
        streamName: "trim-boundary",
        keepFrom: { [shard0]: newer.sequenceNumbers[4]! },
        cutoffMs,
      });
      assert.deepEqual(result.deleted, { [shard0]: 7 }, "the older seven, none of the newer ones");
      assert.deepEqual(await remaining(client, "trim-boundary", shard0), newer.sequenceNumbers);
      assert.equal(older.sequenceNumbers.length, 7);
    });

    test("a kept sequence number that is not of that shard deletes nothing and is reported", async () => {
      const [shard0, shard1] = await twoShardStream(client, "trim-foreign");
      const first = await put(client, "trim-foreign", SHARD_0, 5);
      const second = await put(client, "trim-foreign", SHARD_1, 5);
      const result = await kinesis.trimCommitted({
        streamName: "trim-foreign",
        // Shard 1's newest record as shard 0's checkpoint would be above every key of shard 0.
        keepFrom: { [shard0]: second.sequenceNumbers[4]!, [shard1]: "12345" },
        cutoffMs: Date.now() + 5_000,
      });
      assert.deepEqual(result, { deleted: {}, mismatched: [shard0, shard1] });
      assert.deepEqual(await remaining(client, "trim-foreign", shard0), first.sequenceNumbers);
      assert.equal((await remaining(client, "trim-foreign", shard1)).length, 5);
    });

    test("an unknown stream or shard deletes nothing and is not an error", async () => {
      const far = Date.now() + 60_000;
      assert.deepEqual(
        (await kinesis.trimCommitted({ streamName: "nope", keepFrom: { a: "1" }, cutoffMs: far })).deleted,
        {},
      );
      await twoShardStream(client, "trim-unknown");
      const put0 = await put(client, "trim-unknown", SHARD_0, 3);
      const result = await kinesis.trimCommitted({
        streamName: "trim-unknown",
        keepFrom: { "shardId-000000000099": put0.sequenceNumbers[2]! },
        cutoffMs: far,
      });
      assert.deepEqual(result, { deleted: {}, mismatched: [] });
    });
  });
}

test("on disk, the trimmed records' space is given back (the deleted range is compacted)", async () => {
  const beforeDirs = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("fastcart-kinesalite-")));
  const kinesis = await startLocalKinesis({ thread: true, onDisk: true });
  const [dir] = readdirSync(tmpdir()).filter(
    (n) => n.startsWith("fastcart-kinesalite-") && !beforeDirs.has(n),
  );
  const store = join(tmpdir(), dir!);
  const bytes = () => readdirSync(store).reduce((sum, name) => sum + statSync(join(store, name)).size, 0);
  const client = clientFor(kinesis);
  try {
    const [shard0] = await twoShardStream(client, "space");
    // 12,000 records of 1 KiB: ~12 MB, more than LevelDB's 4 MB write buffer, so tables are on disk.
    const { sequenceNumbers } = await put(client, "space", SHARD_0, 12_000, 1024);
    const full = bytes();
    assert.ok(full > 8_000_000, `the records are on disk (${full} bytes)`);
    const { deleted } = await kinesis.trimCommitted({
      streamName: "space",
      keepFrom: { [shard0]: sequenceNumbers.at(-1)! },
      cutoffMs: Date.now() + 5_000,
    });
    assert.equal(deleted[shard0], 11_999);
    const trimmed = bytes();
    assert.ok(trimmed < full / 4, `disk use fell from ${full} to ${trimmed} bytes`);
    assert.deepEqual(await remaining(client, "space", shard0), [sequenceNumbers.at(-1)]);
  } finally {
    client.destroy();
    await kinesis.stop();
  }
});

describe("startStreamRetention: the workers' checkpoints in PostgreSQL decide", () => {
  let testDb: TestDatabase;
  let db: Kysely<Database>;
  let kinesis: LocalKinesis;
  let client: KinesisClient;
  before(async () => {
    testDb = await createTestDatabase("stream_retention");
    db = createDatabase(databaseConfigFromUrl(testDb.url));
    await migrate(db);
    kinesis = await startLocalKinesis();
    client = clientFor(kinesis);
  });
  after(async () => {
    client.destroy();
    await kinesis.stop();
    await db.destroy();
    await testDb.drop();
  });

  test("keeps what is not committed or not yet past the retention, deletes the rest, counts it", async () => {
    const [shard0, shard1] = await twoShardStream(client, "orders-retention");
    const { sequenceNumbers } = await put(client, "orders-retention", SHARD_0, 6);
    await put(client, "orders-retention", SHARD_1, 4);
    const worker = new LeaseStore(db, { streamName: "orders-retention", workerId: "w1" });
    await worker.syncShards([
      { shardId: shard0, parentShardIds: [] },
      { shardId: shard1, parentShardIds: [] },
    ]);
    const lease = await worker.take({ shardId: shard0, expectedToken: 0 });
    assert.ok(lease);
    const commitAt = (checkpoint: string) =>
      db.transaction().execute((trx) => worker.checkpoint(trx, lease, checkpoint));

    const registry = new Registry();
    let clock = Date.now();
    const retention = startStreamRetention({
      kinesis,
      leases: new LeaseStore(db, { streamName: "orders-retention", workerId: "local-stream-retention" }),
      retentionMs: 10 * 60_000,
      intervalMs: 3_600_000,
      logger: createLogger({ logLevel: "fatal", environment: "test" }),
      registry,
      now: () => clock,
    });
    try {
      assert.equal(await retention.trimNow(), 0, "no checkpoint yet: nothing is known to be committed");

      await commitAt(sequenceNumbers[3]!);
      assert.equal(await retention.trimNow(), 0, "committed, but written less than 10 minutes ago");

      clock += 11 * 60_000;
      assert.equal(await retention.trimNow(), 3, "the three records before the checkpoint's record");
      assert.deepEqual(await remaining(client, "orders-retention", shard0), sequenceNumbers.slice(3));
      assert.equal(
        (await remaining(client, "orders-retention", shard1)).length,
        4,
        "shard 1 has no checkpoint",
      );

      // Part of an aggregated record committed: that record stays whole, the ones before it go.
      await commitAt(`${sequenceNumbers[5]!}:2`);
      assert.equal(await retention.trimNow(), 2);
      assert.deepEqual(await remaining(client, "orders-retention", shard0), sequenceNumbers.slice(5));
      const metrics = await registry.metrics();
      assert.match(metrics, /^local_kinesis_trimmed_records_total 5$/m);
      assert.match(metrics, /^local_kinesis_trim_duration_seconds_count 4$/m, "each of the four trims timed");
    } finally {
      await retention.stop();
    }
  });

  test("a failing trim rejects trimNow with the reason, and the next one runs again", async () => {
    let calls = 0;
    const failing: LocalKinesis = {
      ...kinesis,
      trimCommitted: async () => {
        calls++;
        throw new Error("store closed");
      },
    };
    const leases = { streamName: "s", checkpoints: async () => new Map([["shardId-000000000000", "1"]]) };
    const retention = startStreamRetention({
      kinesis: failing,
      leases,
      retentionMs: 1,
      intervalMs: 3_600_000,
      logger: createLogger({ logLevel: "fatal", environment: "test" }),
    });
    try {
      await assert.rejects(retention.trimNow(), /store closed/);
      await assert.rejects(retention.trimNow(), /store closed/);
      assert.equal(calls, 2, "the second trim ran again, not stuck on the first failure");
    } finally {
      await retention.stop();
    }
  });

  test("a retention that is not a number of ms is refused at start, not read as 'delete everything'", () => {
    const leases = { streamName: "s", checkpoints: async () => new Map<string, string>() };
    const logger = createLogger({ logLevel: "fatal", environment: "test" });
    assert.throws(
      () => startStreamRetention({ kinesis, leases, retentionMs: Number.NaN, logger }),
      /retentionMs must be a number of ms ≥ 0, got NaN/,
    );
  });
});
