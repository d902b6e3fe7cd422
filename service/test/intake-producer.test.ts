import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import { IntakeUnavailableError } from "../src/pipeline/micro-batcher.js";
import { type LocalKinesis, startLocalKinesis } from "../tools/local/kinesalite.js";
import { createTestStream, readStream } from "./support/kinesis.js";

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

const newOrder = (items = 1): AcceptedOrder => ({
  orderId: randomUUID(),
  customerId: "cust-producer",
  currency: "EUR",
  items: Array.from({ length: items }, (_, i) => ({
    sku: `SKU-${String(i).padStart(50, "0")}`,
    quantity: 1 + (i % 9),
  })),
  acceptedAt: new Date().toISOString(),
});

type Send = KinesisClient["send"];
type PutInput = PutRecordsCommand["input"];

/**
 * Fault injection on top of the real server: wraps `send` so PutRecords calls are counted and, when
 * `fail(entry, attempt)` says so, an entry is withheld from kinesalite and reported back as failed in
 * its position — exactly what a partially failed PutRecords looks like.
 */
function instrument(
  target: KinesisClient,
  fail?: (partitionKey: string, attempt: number) => string | undefined,
  failWholeCall?: (call: number) => Error | undefined,
) {
  const original = target.send.bind(target) as (command: unknown) => Promise<unknown>;
  const attempts = new Map<string, number>();
  const stats = { putRecordsCalls: 0, batchSizes: [] as number[] };
  target.send = (async (command: unknown) => {
    if (!(command instanceof PutRecordsCommand)) return original(command);
    stats.putRecordsCalls++;
    const input = command.input as PutInput;
    const entries = input.Records ?? [];
    stats.batchSizes.push(entries.length);
    const wholeCallError = failWholeCall?.(stats.putRecordsCalls);
    if (wholeCallError) throw wholeCallError;
    const verdicts = entries.map((entry) => {
      const key = entry.PartitionKey!;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      return fail?.(key, attempt);
    });
    const passing = entries.filter((_, i) => verdicts[i] === undefined);
    const real = (
      passing.length > 0
        ? await original(new PutRecordsCommand({ ...input, Records: passing }))
        : { Records: [], FailedRecordCount: 0, $metadata: {} }
    ) as PutRecordsCommandOutput;
    const realResults = [...(real.Records ?? [])];
    const results = verdicts.map((code) =>
      code === undefined ? realResults.shift()! : { ErrorCode: code, ErrorMessage: `injected ${code}` },
    );
    return { ...real, Records: results, FailedRecordCount: verdicts.filter(Boolean).length };
  }) as Send;
  return { stats, attempts };
}

function separateClient(): KinesisClient {
  return createKinesisClient({ streamName: "unused", region: "eu-central-1", endpoint: kinesis.endpoint });
}

describe("KinesisOrderIntake", () => {
  test("batches many submissions into few PutRecords calls, each promise resolving with its record", async () => {
    const streamName = await createTestStream(client, "producer-batch", 2);
    const own = separateClient();
    const { stats } = instrument(own);
    const producer = new KinesisOrderIntake(own, { streamName, lingerMs: 20, closeClient: true });
    const orders = Array.from({ length: 1_200 }, () => newOrder());
    await Promise.all(orders.map((order) => producer.submit(order)));
    await producer.close();

    assert.ok(stats.putRecordsCalls <= 6, `expected ≤ 6 PutRecords calls, got ${stats.putRecordsCalls}`);
    assert.ok(
      stats.batchSizes.every((n) => n <= 500),
      `batch sizes ${stats.batchSizes.join(",")}`,
    );
    const records = await readStream(client, streamName);
    assert.equal(records.length, 1_200);
    // Partition key = order id, and the orders spread over both shards.
    for (const record of records) {
      assert.equal(record.partitionKey, (record.body as { order: AcceptedOrder }).order.orderId);
    }
    const perShard = new Map<string, number>();
    for (const record of records) perShard.set(record.shardId, (perShard.get(record.shardId) ?? 0) + 1);
    assert.equal(perShard.size, 2);
    for (const count of perShard.values()) assert.ok(count > 400, `uneven spread: ${[...perShard.values()]}`);
    assert.deepEqual(
      new Set(records.map((r) => (r.body as { order: AcceptedOrder }).order.orderId)),
      new Set(orders.map((o) => o.orderId)),
    );
  });

  test("splits batches at the byte limit", async () => {
    const streamName = await createTestStream(client, "producer-bytes", 1);
    const own = separateClient();
    const { stats } = instrument(own);
    const producer = new KinesisOrderIntake(own, {
      streamName,
      lingerMs: 50,
      maxBatchBytes: 1024 * 1024,
      closeClient: true,
    });
    const orders = Array.from({ length: 450 }, () => newOrder(100)); // ~7 KiB each, ~3 MiB in all
    await Promise.all(orders.map((order) => producer.submit(order)));
    await producer.close();
    assert.ok(
      stats.putRecordsCalls >= 3,
      `expected the 1 MiB limit to split ~3 MiB, got ${stats.putRecordsCalls} calls`,
    );
    assert.equal((await readStream(client, streamName)).length, 450);
  });

  test("retries only the failed entries, so every order lands exactly once", async () => {
    const streamName = await createTestStream(client, "producer-retry", 2);
    const own = separateClient();
    // Every third entry fails twice (throughput exceeded, then an internal failure), then succeeds.
    let n = 0;
    const unlucky = new Set<string>();
    const { stats, attempts } = instrument(own, (key, attempt) => {
      if (attempt === 1 && n++ % 3 === 0) unlucky.add(key);
      if (!unlucky.has(key)) return undefined;
      return attempt === 1
        ? "ProvisionedThroughputExceededException"
        : attempt === 2
          ? "InternalFailure"
          : undefined;
    });
    const producer = new KinesisOrderIntake(own, {
      streamName,
      lingerMs: 5,
      backoffBaseMs: 5,
      closeClient: true,
    });
    const orders = Array.from({ length: 300 }, () => newOrder());
    await Promise.all(orders.map((order) => producer.submit(order)));
    await producer.close();

    assert.equal(unlucky.size, 100);
    for (const order of orders) {
      assert.equal(
        attempts.get(order.orderId),
        unlucky.has(order.orderId) ? 3 : 1,
        `attempts of ${order.orderId}`,
      );
    }
    const records = await readStream(client, streamName);
    assert.equal(records.length, 300, "no duplicates and no losses");
    assert.ok(stats.putRecordsCalls >= 3);
  });

  test("gives up after maxAttempts and rejects only that submission", async () => {
    const streamName = await createTestStream(client, "producer-giveup", 1);
    const own = separateClient();
    const doomed = newOrder();
    const { attempts } = instrument(own, (key) =>
      key === doomed.orderId ? "ProvisionedThroughputExceededException" : undefined,
    );
    const producer = new KinesisOrderIntake(own, {
      streamName,
      lingerMs: 1,
      backoffBaseMs: 2,
      maxAttempts: 4,
      closeClient: true,
    });
    const fine = Array.from({ length: 5 }, () => newOrder());
    const results = await Promise.allSettled([
      producer.submit(doomed),
      ...fine.map((o) => producer.submit(o)),
    ]);
    await producer.close();
    assert.equal(results[0]?.status, "rejected");
    const reason = (results[0] as PromiseRejectedResult).reason as Error;
    assert.ok(reason instanceof IntakeUnavailableError);
    assert.match(reason.message, /after 4 attempts.*ProvisionedThroughputExceededException/);
    assert.equal(attempts.get(doomed.orderId), 4);
    assert.ok(results.slice(1).every((r) => r.status === "fulfilled"));
    assert.equal((await readStream(client, streamName)).length, 5);
  });

  test("does not retry an entry error that retrying cannot fix", async () => {
    const streamName = await createTestStream(client, "producer-fatal", 1);
    const own = separateClient();
    const { attempts } = instrument(own, () => "KMSAccessDeniedException");
    const producer = new KinesisOrderIntake(own, { streamName, lingerMs: 1, closeClient: true });
    const order = newOrder();
    await assert.rejects(producer.submit(order), /KMSAccessDeniedException/);
    assert.equal(attempts.get(order.orderId), 1);
    await producer.close();
  });

  test("retries a whole failed call (network error) and then succeeds", async () => {
    const streamName = await createTestStream(client, "producer-network", 1);
    const own = separateClient();
    const networkError = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    const { stats } = instrument(own, undefined, (call) => (call === 1 ? networkError : undefined));
    const producer = new KinesisOrderIntake(own, {
      streamName,
      lingerMs: 1,
      backoffBaseMs: 2,
      closeClient: true,
    });
    await Promise.all(Array.from({ length: 10 }, () => producer.submit(newOrder())));
    await producer.close();
    assert.ok(stats.putRecordsCalls >= 2);
    assert.equal((await readStream(client, streamName)).length, 10);
  });

  test("close() flushes what is buffered, then refuses new submissions", async () => {
    const streamName = await createTestStream(client, "producer-close", 1);
    const producer = new KinesisOrderIntake(separateClient(), {
      streamName,
      lingerMs: 60_000,
      closeClient: true,
    });
    const submitted = Array.from({ length: 25 }, () => producer.submit(newOrder()));
    assert.equal(producer.pendingCount, 25);
    const started = Date.now();
    await producer.close();
    assert.ok(Date.now() - started < 5_000, "close must not wait out the linger");
    await Promise.all(submitted);
    assert.equal((await readStream(client, streamName)).length, 25);
    await assert.rejects(
      producer.submit(newOrder()),
      (error: Error) => error instanceof IntakeUnavailableError && /shutting down/.test(error.message),
    );
  });

  test("refuses submissions beyond maxQueued instead of buffering without bound", async () => {
    const streamName = await createTestStream(client, "producer-full", 1);
    const producer = new KinesisOrderIntake(separateClient(), {
      streamName,
      lingerMs: 60_000,
      maxQueued: 3,
      closeClient: true,
    });
    const accepted = [producer.submit(newOrder()), producer.submit(newOrder()), producer.submit(newOrder())];
    await assert.rejects(producer.submit(newOrder()), /saturated/);
    await producer.close();
    await Promise.all(accepted);
  });

  test("checkReady passes for an ACTIVE stream and names a missing one", async () => {
    const streamName = await createTestStream(client, "producer-ready", 1);
    const ready = new KinesisOrderIntake(client, { streamName });
    await ready.checkReady();
    const missing = new KinesisOrderIntake(client, { streamName: "no-such-stream-xyz" });
    await assert.rejects(missing.checkReady(), /no-such-stream-xyz is not reachable/);
  });
});
