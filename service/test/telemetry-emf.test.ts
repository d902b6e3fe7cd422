import assert from "node:assert/strict";
import { test } from "node:test";
import { PENDING_ORDERS_METRIC } from "../src/contract.js";
import { createPendingOrdersPublisher, startPendingOrdersReporter } from "../src/telemetry/emf.js";

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

test("publishes PendingOrders with exactly the namespace, name, unit and dimension the scaling policy reads", async () => {
  const lines: string[] = [];
  const publisher = createPendingOrdersPublisher({ environment: "prod", metricsEmf: true }, (l) =>
    lines.push(l),
  );
  await publisher!.publish(42);
  assert.equal(lines.length, 1);
  const emf = JSON.parse(lines[0]!) as EmfLine;
  const [directive] = emf._aws.CloudWatchMetrics;
  assert.equal(directive!.Namespace, "FastCart/Orders");
  assert.equal(directive!.Namespace, PENDING_ORDERS_METRIC.namespace);
  assert.deepEqual(directive!.Dimensions, [[PENDING_ORDERS_METRIC.dimension]]);
  assert.deepEqual(directive!.Metrics, [{ Name: PENDING_ORDERS_METRIC.name, Unit: "Count" }]);
  assert.equal(emf[PENDING_ORDERS_METRIC.name], 42);
  assert.equal(emf.Environment, "prod");
  assert.ok(Math.abs(emf._aws.Timestamp - Date.now()) < 5_000);
  // Nothing else the library would add by default (ServiceName, ServiceType, LogGroup dimensions).
  assert.deepEqual(Object.keys(emf).sort(), ["Environment", "PendingOrders", "_aws"]);
});

test("writes one JSON line per publish to stdout by default", async () => {
  const publisher = createPendingOrdersPublisher({ environment: "dev", metricsEmf: true })!;
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await publisher.publish(0);
    await publisher.publish(3);
  } finally {
    process.stdout.write = original;
  }
  const emf = written.filter((w) => w.includes('"_aws"'));
  assert.equal(emf.length, 2);
  for (const line of emf) assert.ok(line.endsWith("\n"));
  assert.equal(JSON.parse(emf[1]!).PendingOrders, 3);
});

test("is off unless METRICS_EMF is set", () => {
  assert.equal(createPendingOrdersPublisher({ environment: "dev", metricsEmf: false }), undefined);
});

test("the reporter samples on an interval into the gauge and EMF, and survives a failed sample", async () => {
  const gauge: number[] = [];
  const published: number[] = [];
  const errors: unknown[] = [];
  let n = 0;
  const stop = startPendingOrdersReporter({
    count: async () => {
      n += 1;
      if (n === 2) throw new Error("database down");
      return n * 10;
    },
    gauge: { set: (v) => gauge.push(v) },
    emf: { publish: async (v) => void published.push(v) },
    intervalMs: 20,
    onError: (e) => errors.push(e),
  });
  // Wait for three samples (not a fixed time: the machine may be loaded).
  for (let waited = 0; n < 3 && waited < 5_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  await stop();
  const after = n;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(n, after, "no sample after stop()");
  assert.ok(n >= 3);
  assert.equal(gauge.length, n - 1);
  assert.equal(gauge[0], 10);
  assert.equal(gauge[1], 30);
  assert.deepEqual(published, gauge);
  assert.equal(errors.length, 1);
});

test("the reporter never runs two samples at once", async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  let samples = 0;
  const stop = startPendingOrdersReporter({
    count: async () => {
      concurrent += 1;
      samples += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((resolve) => setTimeout(resolve, 30));
      concurrent -= 1;
      return 1;
    },
    intervalMs: 5,
  });
  for (let waited = 0; samples < 3 && waited < 5_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  await stop();
  assert.equal(maxConcurrent, 1);
});
