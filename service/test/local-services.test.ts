import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import pg from "pg";
import { Registry } from "prom-client";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { startLocalPostgres } from "../tools/local/embedded-postgres.js";
import {
  type LocalKinesis,
  registerKinesaliteHeapGauge,
  startLocalKinesis,
} from "../tools/local/kinesalite.js";

const execFileAsync = promisify(execFile);

/** The service's own client for an embedded Kinesis (the stream is named per call). */
const kinesaliteClient = (kinesis: LocalKinesis): KinesisClient =>
  createKinesisClient({ streamName: "unused", region: "eu-central-1", endpoint: kinesis.endpoint });

describe("embedded Kinesis (kinesalite)", () => {
  let kinesis: LocalKinesis;
  let client: KinesisClient;
  before(async () => {
    kinesis = await startLocalKinesis();
    client = kinesaliteClient(kinesis);
  });
  after(async () => {
    client.destroy();
    await kinesis.stop();
  });

  test("a record put on a 2-shard stream can be read back from its shard", async () => {
    await client.send(new CreateStreamCommand({ StreamName: "orders", ShardCount: 2 }));
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: "orders",
        Records: [{ PartitionKey: "order-1", Data: Buffer.from('{"hello":"world"}') }],
      }),
    );
    assert.equal(put.FailedRecordCount, 0);
    const shardId = put.Records?.[0]?.ShardId;
    const shards = await client.send(new ListShardsCommand({ StreamName: "orders" }));
    assert.equal(shards.Shards?.length, 2);
    const iterator = await client.send(
      new GetShardIteratorCommand({
        StreamName: "orders",
        ShardId: shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    const records = await client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    assert.equal(Buffer.from(records.Records?.[0]?.Data ?? []).toString(), '{"hello":"world"}');
  });
});

describe("embedded Kinesis on its own thread (what fastcart local runs)", () => {
  test("serves the Kinesis API from a worker thread and stops with it", async () => {
    const kinesis = await startLocalKinesis({ thread: true });
    const client = kinesaliteClient(kinesis);
    try {
      await client.send(new CreateStreamCommand({ StreamName: "threaded", ShardCount: 1 }));
      const put = await client.send(
        new PutRecordsCommand({
          StreamName: "threaded",
          Records: [{ PartitionKey: "k", Data: Buffer.from("x") }],
        }),
      );
      assert.equal(put.FailedRecordCount, 0);
    } finally {
      client.destroy();
      await kinesis.stop();
    }
    await assert.rejects(fetch(kinesis.endpoint), "the port is closed once the thread has stopped");
  });

  test("reports the thread's own heap, on /metrics as local_kinesis_heap_bytes", async () => {
    const kinesis = await startLocalKinesis({ thread: true });
    const registry = new Registry();
    registerKinesaliteHeapGauge(registry, kinesis);
    try {
      const heap = await kinesis.heap?.();
      assert.ok(heap, "a thread answers");
      assert.ok(heap.usedBytes > 1024 * 1024 && heap.totalBytes >= heap.usedBytes, JSON.stringify(heap));
      // Not the main thread's heap: this process (the test runner with tsx) holds far more.
      assert.ok(heap.usedBytes < process.memoryUsage().heapUsed, "the thread's isolate, not the main one");
      const text = await registry.metrics();
      assert.match(text, /^local_kinesis_heap_bytes\{kind="used"\} \d{6,}$/m);
      assert.match(text, /^local_kinesis_heap_bytes\{kind="total"\} \d{6,}$/m);
    } finally {
      await kinesis.stop();
    }
    assert.equal(await kinesis.heap?.(), undefined, "a stopped thread reports nothing (and does not hang)");
    assert.doesNotMatch(await registry.metrics(), /local_kinesis_heap_bytes\{/);
  });

  test("on disk (what fastcart local runs): records live in LevelDB in a directory removed on stop", async () => {
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("fastcart-kinesalite-")));
    const kinesis = await startLocalKinesis({ thread: true, onDisk: true });
    const created = readdirSync(tmpdir()).filter(
      (n) => n.startsWith("fastcart-kinesalite-") && !before.has(n),
    );
    assert.equal(created.length, 1, "one store directory for this server");
    const store = join(tmpdir(), created[0]!);
    const client = kinesaliteClient(kinesis);
    try {
      await client.send(new CreateStreamCommand({ StreamName: "on-disk", ShardCount: 1 }));
      await client.send(
        new PutRecordsCommand({
          StreamName: "on-disk",
          Records: [{ PartitionKey: "k", Data: Buffer.from("kept") }],
        }),
      );
      const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: "on-disk" }));
      const iterator = await client.send(
        new GetShardIteratorCommand({
          StreamName: "on-disk",
          ShardId: Shards[0]!.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      const records = await client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
      assert.equal(Buffer.from(records.Records?.[0]?.Data ?? []).toString(), "kept");
      assert.ok(
        readdirSync(store).some((name) => name.endsWith(".log") || name.startsWith("MANIFEST")),
        "LevelDB files",
      );
    } finally {
      client.destroy();
      await kinesis.stop();
    }
    assert.equal(existsSync(store), false, "the store directory is removed on stop");
  });

  test("the thread starts from any working directory (its loader is resolved from the module, not the cwd)", async () => {
    const module = new URL("../tools/local/kinesalite.ts", import.meta.url).href;
    const program = `import { startLocalKinesis } from ${JSON.stringify(module)};
const kinesis = await startLocalKinesis({ thread: true });
await fetch(kinesis.endpoint, { method: "POST" });
await kinesis.stop();
process.stdout.write("served");`;
    const { stdout } = await execFileAsync(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", program],
      { cwd: tmpdir(), timeout: 60_000 },
    );
    assert.equal(stdout, "served");
  });

  test("a port already in use fails the start with kinesalite's error", async () => {
    const first = await startLocalKinesis();
    try {
      const port = Number(new URL(first.endpoint).port);
      await assert.rejects(startLocalKinesis({ thread: true, port }), /kinesalite thread: .*EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });
});

describe("embedded PostgreSQL", () => {
  test("starts a real server, answers a query, and removes its data on stop", async () => {
    const server = await startLocalPostgres();
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ version: string }>("select version()");
      await client.end();
      assert.match(rows[0]!.version, /^PostgreSQL 15\./);
    } finally {
      await server.stop();
    }
  });
});
