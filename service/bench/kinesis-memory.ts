/**
 * Does local Kinesis memory stay flat at load? Starts kinesalite on its own thread (as `npm start`
 * does), in memory or on disk, puts order-sized records at a fixed rate and prints the process RSS
 * every `--every` seconds, then the growth per minute.
 *
 *   node --import tsx bench/kinesis-memory.ts [--store disk|memory] [--rate 2000] [--duration 180]
 *       [--every 15] [--bytes 300] [--port 0]
 *
 * A script that prints numbers, not a test.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { createKinesisClient, ensureStream } from "../src/modes/stream/kinesis-client.js";
import { startLocalKinesis } from "../tools/local/kinesalite.js";

const { values } = parseArgs({
  options: {
    store: { type: "string", default: "disk" },
    rate: { type: "string", default: "2000" },
    duration: { type: "string", default: "180" },
    every: { type: "string", default: "15" },
    bytes: { type: "string", default: "300" },
    port: { type: "string", default: "0" },
  },
});
const store = values.store;
if (store !== "disk" && store !== "memory") {
  console.error(`--store: must be disk or memory (got "${store}")`);
  process.exit(2);
}
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1_000;
const everyMs = Number(values.every) * 1_000;
const payload = randomBytes(Math.max(1, Number(values.bytes)));

const kinesis = await startLocalKinesis({
  thread: true,
  onDisk: store === "disk",
  port: Number(values.port),
});
const client = createKinesisClient({
  streamName: "memory",
  region: "eu-central-1",
  endpoint: kinesis.endpoint,
});
await ensureStream(client, "memory", 2);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const started = Date.now();
const samples: { at: number; rss: number }[] = [];
let sent = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  samples.push({ at: Date.now() - started, rss });
  console.log(
    `${((Date.now() - started) / 1_000).toFixed(0).padStart(5)} s  ${String(sent).padStart(8)} records  RSS ${mb(rss)} MB`,
  );
};
sample();
const timer = setInterval(sample, everyMs);

// 20 calls a second, each carrying rate/20 records (as the API's micro-batcher would).
const perCall = Math.max(1, Math.round(rate / 20));
while (Date.now() - started < durationMs) {
  const tick = Date.now();
  const records = Array.from({ length: perCall }, () => ({ PartitionKey: randomUUID(), Data: payload }));
  await client.send(new PutRecordsCommand({ StreamName: "memory", Records: records }));
  sent += perCall;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - (Date.now() - tick))));
}
clearInterval(timer);
sample();
const first = samples[1] ?? samples[0]!;
const last = samples.at(-1)!;
const minutes = (last.at - first.at) / 60_000;
console.log(
  `store ${store}: ${sent} records in ${(last.at / 1_000).toFixed(0)} s; RSS ${mb(samples[0]!.rss)} → ${mb(last.rss)} MB; ` +
    `growth after warm-up ${minutes > 0 ? mb((last.rss - first.rss) / minutes) : "?"} MB/min`,
);
client.destroy();
await kinesis.stop();
