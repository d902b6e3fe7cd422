import assert from "node:assert/strict";
import { test } from "node:test";
import { createMetrics } from "../src/telemetry/metrics.js";

async function value(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string> = {},
) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  );
  return sample?.value;
}

test("exposes the pipeline metrics under their names, with the environment label", async () => {
  const metrics = createMetrics({ environment: "dev", processMetrics: false });
  metrics.ordersAccepted.inc(3);
  metrics.pendingOrders.set(7);
  const text = await metrics.registry.metrics();
  for (const name of [
    "orders_accepted_total",
    "orders_confirmed_total",
    "orders_rejected_total",
    "order_processing_latency_seconds",
    "stream_shard_lag_seconds",
    "pending_orders",
    "stream_poison_records_total",
  ]) {
    assert.match(text, new RegExp(`# TYPE ${name} `), name);
  }
  assert.match(text, /orders_accepted_total\{environment="dev"\} 3/);
  assert.match(text, /pending_orders\{environment="dev"\} 7/);
  assert.doesNotMatch(text, /process_cpu/);
});

test("the intake handles count decisions by status and reason, lag in seconds, latency observed", async () => {
  const metrics = createMetrics({ processMetrics: false });
  metrics.intake.ordersDecided("CONFIRMED", 5);
  metrics.intake.ordersDecided("REJECTED", 2, "OUT_OF_STOCK");
  metrics.intake.ordersDecided("REJECTED", 1);
  metrics.intake.shardLag("shardId-000000000001", 1500);
  metrics.intake.shardLag("shardId-000000000002", -5);
  metrics.intake.processingLatency(0.2);
  metrics.intake.poisonRecords(4);
  assert.equal(await value(metrics, "orders_confirmed_total"), 5);
  assert.equal(await value(metrics, "orders_rejected_total", { reason: "OUT_OF_STOCK" }), 2);
  assert.equal(await value(metrics, "orders_rejected_total", { reason: "UNSPECIFIED" }), 1);
  assert.equal(await value(metrics, "stream_shard_lag_seconds", { shard: "shardId-000000000001" }), 1.5);
  assert.equal(await value(metrics, "stream_shard_lag_seconds", { shard: "shardId-000000000002" }), 0);
  assert.equal(await value(metrics, "stream_poison_records_total"), 4);
  const histogram = await metrics.registry.getSingleMetric("order_processing_latency_seconds")!.get();
  assert.equal(
    histogram.values.find(
      (v) => (v as { metricName?: string }).metricName === "order_processing_latency_seconds_count",
    )?.value,
    1,
  );
});

test("recordDecisions counts first decisions only and observes accepted → decided latency", async () => {
  const metrics = createMetrics({ processMetrics: false });
  const decidedAt = "2026-01-01T00:00:02.000Z";
  metrics.recordDecisions(
    [
      { orderId: "a", customerId: "c", status: "CONFIRMED", total: 1, applied: true, decidedAt },
      {
        orderId: "b",
        customerId: "c",
        status: "REJECTED",
        reason: "UNKNOWN_SKU",
        total: 0,
        applied: true,
        decidedAt,
      },
      { orderId: "c", customerId: "c", status: "CONFIRMED", total: 1, applied: false, decidedAt },
    ],
    new Map([
      ["a", "2026-01-01T00:00:00.000Z"],
      ["b", "2026-01-01T00:00:01.000Z"],
    ]),
  );
  assert.equal(await value(metrics, "orders_confirmed_total"), 1);
  assert.equal(await value(metrics, "orders_rejected_total", { reason: "UNKNOWN_SKU" }), 1);
  const histogram = await metrics.registry.getSingleMetric("order_processing_latency_seconds")!.get();
  assert.equal(
    histogram.values.find(
      (v) => (v as { metricName?: string }).metricName === "order_processing_latency_seconds_sum",
    )?.value,
    3,
  );
});

test("two registries are independent (one per process part or test)", async () => {
  const a = createMetrics({ processMetrics: false });
  const b = createMetrics({ processMetrics: true });
  a.ordersAccepted.inc();
  assert.equal(await value(b, "orders_accepted_total"), 0);
  assert.match(await b.registry.metrics(), /process_cpu_user_seconds_total/);
});
