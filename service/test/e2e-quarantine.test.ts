/**
 * Quarantine and replay end to end, stream mode: orders through the API onto kinesalite, a real
 * worker on PostgreSQL that cannot store one of them (a trigger refuses it, as a database would refuse
 * a value), which is quarantined while the others are decided; operators find it through the admin
 * API, fix the cause and replay it (decided once, idempotently), and discard a poison record with a
 * reason kept. Metrics (Prometheus and the QuarantinedRecords EMF line) and worker readiness say so.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import { QUARANTINED_RECORDS_METRIC } from "../src/contract.js";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderWorker } from "../src/modes/stream/kinesis-worker.js";
import { OrderBatchProcessor } from "../src/pipeline/batch-processor.js";
import { ShardProgress } from "../src/pipeline/progress.js";
import { workerReadiness } from "../src/pipeline/readiness.js";
import { createQuarantineAdmin } from "../src/pipeline/replay.js";
import { applyOrders } from "../src/store/processing.js";
import { createMetrics } from "../src/telemetry/metrics.js";
import { createQuarantinePublisher } from "../src/telemetry/quarantine-emf.js";
import { type ApiHarness, createApiHarness, problemOf } from "./support/api-harness.js";
import { quietLogger, waitFor } from "./support/worker-harness.js";

let h: ApiHarness;
let app: FastifyInstance;
let worker: KinesisOrderWorker;
const emfLines: string[] = [];
const metrics = createMetrics({
  processMetrics: false,
  onQuarantined: (reason, count) => {
    void createQuarantinePublisher({ environment: "e2e", metricsEmf: true }, (line) => emfLines.push(line))?.(
      reason,
      count,
    );
  },
});

before(async () => {
  h = await createApiHarness("e2e_quarantine");
  await h.products([{ sku: "EQ-1", name: "Widget", unitPrice: 250, currency: "EUR", stock: 100 }]);
  const processor = new OrderBatchProcessor({ db: h.db, applyOrders, cache: h.cache, logger: quietLogger });
  app = await h.buildAnother({ quarantine: createQuarantineAdmin(h.db, processor) });
  await sql
    .raw(
      `CREATE FUNCTION refuse_cursed() RETURNS trigger AS $$ BEGIN
         IF NEW.customer_id = 'cursed' THEN RAISE EXCEPTION 'value refused' USING ERRCODE = '22021'; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql;
       CREATE TRIGGER refuse_cursed BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse_cursed();`,
    )
    .execute(h.db);
  worker = new KinesisOrderWorker({
    client: createKinesisClient({
      streamName: h.streamName,
      region: "eu-central-1",
      endpoint: h.kinesis.endpoint,
    }),
    closeClient: true,
    db: h.db,
    streamName: h.streamName,
    applyOrders,
    cache: new MemoryStatusCache(),
    logger: quietLogger,
    metrics: metrics.intake,
    maxRecordAttempts: 2,
    leaseTtlMs: 1_500,
    renewIntervalMs: 300,
    coordinateIntervalMs: 200,
    polling: { idleBackoffMinMs: 50, idleBackoffMaxMs: 200, errorBackoffMinMs: 50, errorBackoffMaxMs: 200 },
  });
  await worker.start();
});
after(async () => {
  await worker?.kill();
  await h?.close();
});

const order = (customerId: string) => ({
  customerId,
  currency: "EUR",
  items: [{ sku: "EQ-1", quantity: 1 }],
});
type Listed = {
  quarantineId: string;
  reason: string;
  state: string;
  data: string;
  attempts: number;
  resolution?: string;
};

describe("quarantine end to end (stream mode)", () => {
  test("quarantined, found, replayed once after the fix; a poison record discarded with its reason", async () => {
    const admin = await h.admin();
    const ids: string[] = [];
    for (const customerId of ["fine-1", "cursed", "fine-2"]) {
      const res = await app.inject({
        method: "POST",
        url: "/orders",
        headers: admin,
        payload: order(customerId),
      });
      assert.equal(res.statusCode, 202, res.body);
      ids.push(res.json().orderId);
    }
    const [fine1, cursed, fine2] = ids as [string, string, string];
    const list = async (state = "QUARANTINED") =>
      (await app.inject({ method: "GET", url: `/admin/quarantine?state=${state}`, headers: admin })).json()
        .records as Listed[];
    await waitFor("the cursed order quarantined", async () => (await list()).length === 1);
    const statusOf = async (id: string) =>
      (await app.inject({ method: "GET", url: `/orders/${id}`, headers: admin })).json().status;
    await waitFor(
      "the others decided",
      async () => (await statusOf(fine1)) === "CONFIRMED" && (await statusOf(fine2)) === "CONFIRMED",
    );

    const [entry] = await list();
    assert.ok(entry);
    assert.equal(entry.reason, "unstorable");
    assert.equal(entry.attempts, 2);
    assert.equal(JSON.parse(Buffer.from(entry.data, "base64").toString("utf8")).order.orderId, cursed);
    const one = await app.inject({
      method: "GET",
      url: `/admin/quarantine/${entry.quarantineId}`,
      headers: admin,
    });
    assert.equal(one.json().quarantineId, entry.quarantineId);

    // Operators see it: the counter by reason, seconds since commit per shard, one EMF line.
    const text = await metrics.registry.metrics();
    assert.match(text, /quarantined_records_total\{reason="unstorable"\} 1/);
    assert.match(text, /stream_shard_seconds_since_commit\{shard="shardId-\d+"\} \d/);
    const emf = JSON.parse(emfLines[0] ?? "{}");
    assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, QUARANTINED_RECORDS_METRIC.namespace);
    assert.deepEqual(emf._aws.CloudWatchMetrics[0].Dimensions, [[QUARANTINED_RECORDS_METRIC.dimension]]);
    assert.equal(emf._aws.CloudWatchMetrics[0].Metrics[0].Name, QUARANTINED_RECORDS_METRIC.name);
    assert.equal(emf[QUARANTINED_RECORDS_METRIC.name], 1);
    assert.equal(emf.Environment, "e2e");

    // Not for customers.
    const customer = await h.customer("fine-1");
    assert.equal(
      (await app.inject({ method: "GET", url: "/admin/quarantine", headers: customer })).statusCode,
      403,
    );

    // Replay before the fix: it fails again and stays quarantined (409 problem).
    const early = await app.inject({
      method: "POST",
      url: `/admin/quarantine/${entry.quarantineId}/replay`,
      headers: admin,
    });
    assert.equal(early.statusCode, 409);
    assert.match(problemOf(early).detail, /failed again: 22021/);

    await sql.raw("DROP TRIGGER refuse_cursed ON orders").execute(h.db);
    const replay = await app.inject({
      method: "POST",
      url: `/admin/quarantine/${entry.quarantineId}/replay`,
      headers: admin,
    });
    assert.equal(replay.statusCode, 200, replay.body);
    assert.equal(replay.json().decision.status, "CONFIRMED");
    assert.equal(replay.json().record.state, "REPLAYED");
    assert.equal(await statusOf(cursed), "CONFIRMED");
    const again = await app.inject({
      method: "POST",
      url: `/admin/quarantine/${entry.quarantineId}/replay`,
      headers: admin,
    });
    assert.equal(again.statusCode, 409);
    assert.equal(problemOf(again).state, "REPLAYED");
    const history = await h.db
      .selectFrom("order_status_history")
      .select("status")
      .where("order_id", "=", cursed)
      .where("status", "=", "CONFIRMED")
      .execute();
    assert.equal(history.length, 1, "decided once");

    // A poison record: replay refuses it, discard keeps the reason.
    const client = createKinesisClient({
      streamName: h.streamName,
      region: "eu-central-1",
      endpoint: h.kinesis.endpoint,
    });
    await client.send(
      new PutRecordCommand({
        StreamName: h.streamName,
        PartitionKey: "p",
        Data: new TextEncoder().encode("garbage"),
      }),
    );
    client.destroy();
    await waitFor("the poison record quarantined", async () =>
      (await list()).some((r) => r.reason === "poison"),
    );
    const poison = (await list()).find((r) => r.reason === "poison")!;
    const refused = await app.inject({
      method: "POST",
      url: `/admin/quarantine/${poison.quarantineId}/replay`,
      headers: admin,
    });
    assert.equal(refused.statusCode, 409);
    assert.match(problemOf(refused).detail, /not an order record/);
    const noReason = await app.inject({
      method: "POST",
      url: `/admin/quarantine/${poison.quarantineId}/discard`,
      headers: admin,
      payload: {},
    });
    assert.equal(problemOf(noReason).errors?.[0]?.field, "reason");
    const discard = await app.inject({
      method: "POST",
      url: `/admin/quarantine/${poison.quarantineId}/discard`,
      headers: admin,
      payload: { reason: "test garbage from a load script" },
    });
    assert.equal(discard.statusCode, 200, discard.body);
    assert.equal(discard.json().state, "DISCARDED");
    assert.match(discard.json().resolution, /^test garbage from a load script \(by admin-1\)$/);
    assert.ok((await list("DISCARDED")).some((r) => r.quarantineId === poison.quarantineId));
    assert.equal((await list()).length, 0);
    const docs = (await app.inject({ method: "GET", url: "/docs/json" })).json();
    // Each admin operation: a stable operationId and the statuses every route can answer.
    for (const [path, method, operationId] of [
      ["/admin/quarantine", "get", "listQuarantined"],
      ["/admin/quarantine/{id}", "get", "getQuarantined"],
      ["/admin/quarantine/{id}/replay", "post", "replayQuarantined"],
      ["/admin/quarantine/{id}/discard", "post", "discardQuarantined"],
    ] as const) {
      const operation = docs.paths[path]?.[method];
      assert.ok(operation, `OpenAPI documents ${method.toUpperCase()} ${path}`);
      assert.equal(operation.operationId, operationId, path);
      for (const status of ["200", "401", "403", "405", "500", "503"]) {
        assert.ok(operation.responses[status], `${path}: ${status}`);
      }
    }
  });
});

describe("stuck shards", () => {
  test("a shard failing without a commit beyond the threshold is stuck; idle or committing ones are not", () => {
    let now = 0;
    const progress = new ShardProgress(60, () => now);
    progress.committed("a");
    progress.committed("b");
    progress.committed("c");
    now = 30_000;
    progress.failing("a");
    now = 61_000;
    progress.failing("c");
    progress.committed("c");
    assert.deepEqual(workerReadiness(progress.snapshot()).status, "degraded");
    assert.deepEqual(workerReadiness(progress.snapshot()).stuck, ["a"]);
    const a = progress.snapshot().find((s) => s.shard === "a")!;
    assert.equal(a.secondsSinceCommit, 61);
    assert.equal(a.failingForSeconds, 31);
    progress.released("a");
    assert.equal(workerReadiness(progress.snapshot()).status, "ok");
  });
});
