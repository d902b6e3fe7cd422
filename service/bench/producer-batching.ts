/**
 * What the API process pays per order for putting it on the stream, by producer batching setting:
 * submits orders at a fixed rate to KinesisOrderIntake (kinesalite in a child process, so only the
 * producer's own work is measured here) and prints, per setting, PutRecords calls/s, records per call,
 * this process's CPU milliseconds per 1,000 orders, and the submit → durable latency p50/p99 (the part
 * of the API's accept latency the producer adds).
 *
 *   node --import tsx bench/producer-batching.ts [--rate 2000] [--seconds 10]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { createKinesisClient, ensureStream } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake, type KinesisProducerOptions } from "../src/modes/stream/kinesis-intake.js";
import { toAcceptedOrder } from "../src/orders/accept.js";
import { stopChild } from "./child-process.js";
import { portSource } from "./ports.js";
import { scenarioDir, startKinesaliteChild } from "./system-under-test.js";

const { values } = parseArgs({
  options: { rate: { type: "string", default: "2000" }, seconds: { type: "string", default: "10" } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
if (!Number.isInteger(rate) || rate < 1) throw new Error(`--rate: a positive integer (got ${values.rate})`);
if (!Number.isInteger(seconds) || seconds < 1)
  throw new Error(`--seconds: a positive integer (got ${values.seconds})`);

const SETTINGS: { label: string; options: Omit<KinesisProducerOptions, "streamName"> }[] = [
  { label: "linger 5 ms, 4 in flight (default)", options: { lingerMs: 5, maxInFlight: 4 } },
  { label: "linger 5 ms, 1 in flight", options: { lingerMs: 5, maxInFlight: 1 } },
  { label: "linger 10 ms, 2 in flight", options: { lingerMs: 10, maxInFlight: 2 } },
  { label: "linger 20 ms, 4 in flight", options: { lingerMs: 20, maxInFlight: 4 } },
];

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

const dir = await scenarioDir("producer");
const kinesis = await startKinesaliteChild(dir, portSource(undefined));
try {
  const config = { streamName: "bench-producer", region: "eu-central-1", endpoint: kinesis.endpoint };
  const admin = createKinesisClient(config);
  await ensureStream(admin, config.streamName, 2);
  admin.destroy();
  process.stdout.write(
    `producer batching at ${rate} orders/s for ${seconds} s (kinesalite in a child process)\n`,
  );
  for (const setting of SETTINGS) {
    const client = createKinesisClient(config);
    let calls = 0;
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as unknown as { send: typeof send }).send = (command) => {
      if (command instanceof PutRecordsCommand) calls++;
      return send(command);
    };
    const intake = new KinesisOrderIntake(client, {
      streamName: config.streamName,
      closeClient: true,
      ...setting.options,
    });
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const tickMs = 10;
    let submitted = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(rate * seconds, Math.floor(((performance.now() - started) / 1000) * rate));
        for (; submitted < due; submitted++) {
          const t0 = performance.now();
          const order = toAcceptedOrder(
            { customerId: `c-${submitted % 100}`, currency: "EUR", items: [{ sku: "SKU-1", quantity: 1 }] },
            new Date(),
            randomUUID,
          );
          pending.push(intake.submit(order).then(() => void latencies.push(performance.now() - t0)));
        }
        if (submitted >= rate * seconds) {
          clearInterval(timer);
          resolve();
        }
      }, tickMs);
    });
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await intake.close();
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `  ${setting.label.padEnd(36)} ${String(Math.round(calls / elapsed)).padStart(4)} calls/s  ` +
        `${(submitted / Math.max(1, calls)).toFixed(1).padStart(6)} records/call  ` +
        `${(((cpu.user + cpu.system) / 1000 / submitted) * 1000).toFixed(0).padStart(5)} CPU ms per 1,000 orders  ` +
        `latency p50 ${percentile(latencies, 0.5).toFixed(1)} ms p99 ${percentile(latencies, 0.99).toFixed(1)} ms\n`,
    );
  }
} finally {
  await stopChild(kinesis.child, 5_000);
}
