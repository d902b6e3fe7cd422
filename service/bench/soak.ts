/**
 * `npm run soak -- [--rate 1000] [--minutes 60] [--segment 60] [--connections 64] [--port-base N]`
 *
 * Does `npm start` stay flat at load for hours? Starts the in-process system as the bench does
 * (embedded PostgreSQL, kinesalite on disk on its own thread, both workers), then offers a paced
 * load in back-to-back segments of `--segment` seconds (each drained before the next, so every line
 * is a complete, checked slice: every accepted order decided). After each segment it prints one line:
 * orders decided, accept p99, and the system's memory —
 *
 * - the node process's anonymous resident memory (heaps: what a leak grows), its file-backed resident
 *   memory (mapped files such as LevelDB's tables: reclaimable), its main V8 heap in use and that of
 *   kinesalite's thread;
 * - embedded PostgreSQL's anonymous memory (all its processes) and its shared buffers;
 * - the bytes on disk of kinesalite's store and of the database.
 *
 * At the end it prints each figure's growth per hour over the second half of the run (a least-squares
 * slope: the first half is warm-up, in which the caches fill). A script that prints numbers, not a test.
 */
import { readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parsePrometheus, runLoad } from "../tools/load/index.js";
import { portSource } from "./ports.js";
import { type MemoryGroup, treeMemory } from "./process-memory.js";
import { scenarioDir, startSystem } from "./system-under-test.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    minutes: { type: "string", default: "60" },
    segment: { type: "string", default: "60" },
    connections: { type: "string", default: "64" },
    "port-base": { type: "string" },
  },
});
const number = (flag: string, raw: string, min: number, max: number) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`soak: --${flag} must be a number from ${min} to ${max} (got "${raw}")`);
    process.exit(2);
  }
  return value;
};
const rate = number("rate", values.rate, 1, 20_000);
const minutes = number("minutes", values.minutes, 1, 24 * 60);
const segmentSeconds = number("segment", values.segment, 10, 3_600);
const connections = number("connections", values.connections, 1, 1_024);
const portBase =
  values["port-base"] === undefined ? undefined : number("port-base", values["port-base"], 1024, 65_435);

/** Bytes under `path` (recursively); 0 when it is gone. */
async function diskBytes(path: string): Promise<number> {
  let total = 0;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += await diskBytes(full);
    else
      total += await stat(full).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/** The kinesalite store the system created: the newest fastcart-kinesalite-* directory since `since`. */
async function kinesaliteStore(since: number): Promise<string | undefined> {
  const names = (await readdir(tmpdir())).filter((name) => name.startsWith("fastcart-kinesalite-"));
  const dated = await Promise.all(
    names.map(async (name) => ({ name, at: (await stat(join(tmpdir(), name))).birthtimeMs || 0 })),
  );
  const fresh = dated.filter((d) => d.at >= since - 1_000).sort((a, b) => b.at - a.at)[0];
  return fresh ? join(tmpdir(), fresh.name) : undefined;
}

interface Sample {
  minute: number;
  decided: number;
  p99: number;
  nodeAnon: number;
  nodeFile: number;
  heapUsed: number;
  /** kinesalite's own isolate (a thread of the node process; its memory is part of the node figures). */
  kinesisHeapUsed: number;
  postgresAnon: number;
  postgresShared: number;
  kinesisDisk: number;
  databaseDisk: number;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(0);

const soakStarted = Date.now();
const logDir = await scenarioDir("soak");
process.stderr.write(
  `soak: ${rate} orders/s for ${minutes} min in ${segmentSeconds}-s segments (logs in ${logDir})\n`,
);
const system = await startSystem({
  layout: "in-process",
  database: "embedded",
  logDir,
  ports: portSource(portBase),
  shards: 2,
  workers: 2,
  mode: "stream",
  aggregate: true,
});
const systemPid = [...system.pids].find(([, label]) => label === "system")?.[0];
if (systemPid === undefined) throw new Error("soak: the system process has no pid");
const store = await kinesaliteStore(soakStarted);
const postgresData = await readdir(tmpdir()).then(async (names) => {
  // Embedded PostgreSQL's data directory is the newest fastcart-pg-* (tools/local/embedded-postgres.ts).
  const candidates = names.filter((name) => name.startsWith("fastcart-pg"));
  const dated = await Promise.all(
    candidates.map(async (name) => ({ name, at: (await stat(join(tmpdir(), name))).birthtimeMs || 0 })),
  );
  const fresh = dated.filter((d) => d.at >= soakStarted - 1_000).sort((a, b) => b.at - a.at)[0];
  return fresh ? join(tmpdir(), fresh.name) : undefined;
});

/** local_kinesis_heap_bytes{kind="used"} (tools/local/kinesalite.ts); 0 when the thread did not answer. */
const kinesisHeap = (text: string) =>
  Number(/^local_kinesis_heap_bytes\{[^}]*kind="used"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);

const samples: Sample[] = [];
const header =
  "  min   decided  p99 ms │ node anon  file  heap  kinesalite heap │ pg anon shared │ kinesis disk  db disk (MB)";
console.log(header);
let failed = false;
const segments = Math.max(1, Math.round((minutes * 60) / segmentSeconds));
try {
  for (let segment = 1; segment <= segments; segment++) {
    const report = await runLoad({
      url: system.url,
      token: system.adminToken,
      metricsUrls: system.metricsUrls,
      durationSeconds: segmentSeconds,
      connections,
      rate,
      skus: 100,
      scarceSkus: 10,
      drainTimeoutSeconds: 60,
      progress: false,
    });
    const groups = await treeMemory(systemPid);
    const group = (name: string): MemoryGroup =>
      groups.find((g) => g.name === name) ?? { name, processes: 0, anon: 0, file: 0, shmem: 0 };
    const metricsText = await (
      await fetch(system.metricsUrls[0]!, { signal: AbortSignal.timeout(10_000) })
    ).text();
    const metrics = parsePrometheus(metricsText).sum;
    const sample: Sample = {
      minute: (Date.now() - soakStarted) / 60_000,
      decided: report.endToEnd.decided,
      p99: report.latencyMs.p99,
      nodeAnon: group("node").anon,
      nodeFile: group("node").file,
      heapUsed: metrics.get("nodejs_heap_size_used_bytes") ?? 0,
      kinesisHeapUsed: kinesisHeap(metricsText),
      postgresAnon: group("postgres").anon,
      postgresShared: group("postgres").shmem,
      kinesisDisk: store ? await diskBytes(store) : 0,
      databaseDisk: postgresData ? await diskBytes(postgresData) : 0,
    };
    samples.push(sample);
    console.log(
      `${sample.minute.toFixed(0).padStart(5)} ${String(sample.decided).padStart(9)} ${String(sample.p99).padStart(7)} │ ` +
        `${mb(sample.nodeAnon).padStart(9)} ${mb(sample.nodeFile).padStart(5)} ${mb(sample.heapUsed).padStart(5)} ${mb(sample.kinesisHeapUsed).padStart(16)} │ ` +
        `${mb(sample.postgresAnon).padStart(7)} ${mb(sample.postgresShared).padStart(6)} │ ` +
        `${mb(sample.kinesisDisk).padStart(12)} ${mb(sample.databaseDisk).padStart(8)}` +
        (report.endToEnd.complete ? "" : "  (not every accepted order was decided in time)"),
    );
    if (!report.endToEnd.complete) failed = true;
  }
} finally {
  await system.stop();
}

/** Least-squares slope of `value` against the minute, over the second half, in MB per hour. */
function perHour(value: (s: Sample) => number): string {
  const half = samples.slice(Math.floor(samples.length / 2));
  if (half.length < 2) return "?";
  const xs = half.map((s) => s.minute);
  const ys = half.map((s) => value(s) / MB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? "?" : ((num / den) * 60).toFixed(1);
}
const total = samples.reduce((sum, s) => sum + s.decided, 0);
console.log(
  `\n${total} orders decided in ${samples.at(-1)?.minute.toFixed(0)} min. Growth over the second half, MB per hour: ` +
    `node anon ${perHour((s) => s.nodeAnon)}, node file-backed ${perHour((s) => s.nodeFile)}, ` +
    `V8 heap used ${perHour((s) => s.heapUsed)}, kinesalite heap used ${perHour((s) => s.kinesisHeapUsed)}, PostgreSQL anon ${perHour((s) => s.postgresAnon)}; ` +
    `on disk: kinesis ${perHour((s) => s.kinesisDisk)}, database ${perHour((s) => s.databaseDisk)}`,
);
process.exitCode = failed ? 1 : 0;
