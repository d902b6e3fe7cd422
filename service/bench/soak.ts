/**
 * `npm run soak -- [--rate 1000] [--minutes 60] [--segment 60] [--connections 64] [--port-base N]`
 *
 * Does `npm start` stay flat at load for hours? Starts the in-process system as the bench does
 * (embedded PostgreSQL, kinesalite on disk on its own thread, both workers), then offers a paced
 * load in back-to-back segments of `--segment` seconds, each drained before the next: a segment
 * whose accepted orders are not all decided within 60 s ends the run (the system fell behind the rate),
 * so every line printed is a complete slice. The run lasts `--minutes` of load plus each segment's
 * set-up and drain (a few seconds). After each segment it prints one line: orders decided, accept p99,
 * and the system's memory —
 *
 * - the node process's anonymous resident memory (heaps: what a leak grows), its file-backed resident
 *   memory (mapped files such as LevelDB's tables: reclaimable), its main V8 heap in use and that of
 *   kinesalite's thread, and its native memory (anonymous memory outside both heaps);
 * - embedded PostgreSQL's anonymous memory (all its processes) and its resident shared memory;
 * - the bytes on disk of kinesalite's store and of the database.
 *
 * At the end it prints each figure's growth per hour over the second half of the run (a least-squares
 * slope: the first half is warm-up, in which the caches fill). A script that prints numbers, not a test.
 */
import { readdir, readFile, readlink, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { parsePrometheus, runLoad, seriesValue } from "../tools/load/index.js";
import { portSource } from "./ports.js";
import { treeMemory } from "./process-memory.js";
import { scenarioDir, startSystem } from "./system-under-test.js";

const USAGE =
  "usage: npm run soak -- [--rate 1000] [--minutes 60] [--segment 60] [--connections 64] [--stream-retention MINUTES] [--port-base N]";
let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      rate: { type: "string", default: "1000" },
      minutes: { type: "string", default: "60" },
      segment: { type: "string", default: "60" },
      connections: { type: "string", default: "64" },
      "stream-retention": { type: "string" },
      "port-base": { type: "string" },
    },
  }));
} catch (error) {
  console.error(`soak: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const integer = (flag: string, raw: string, min: number, max: number) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`soak: --${flag} must be an integer from ${min} to ${max} (got "${raw}")\n${USAGE}`);
    process.exit(2);
  }
  return value;
};
const rate = integer("rate", values.rate!, 1, 20_000);
const minutes = integer("minutes", values.minutes!, 1, 24 * 60);
const segmentSeconds = integer("segment", values.segment!, 10, 3_600);
const connections = integer("connections", values.connections!, 1, 1_024);
const streamRetentionMinutes =
  values["stream-retention"] === undefined
    ? undefined
    : integer("stream-retention", values["stream-retention"], 1, 10_080);
const portBase =
  values["port-base"] === undefined ? undefined : integer("port-base", values["port-base"], 1024, 65_435);
if (segmentSeconds > minutes * 60) {
  console.error(`soak: --segment (${segmentSeconds} s) must not be longer than --minutes (${minutes} min)`);
  process.exit(2);
}

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

/**
 * The kinesalite store of *this* system: the directory whose LevelDB LOCK file the system process
 * holds open (several runs may have stores in the temporary directory at once).
 */
async function kinesaliteStore(pid: number): Promise<string | undefined> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    if (basename(dirname(target)).startsWith("fastcart-kinesalite-") && basename(target) === "LOCK") {
      return dirname(target);
    }
  }
  return undefined;
}

/** The data directory of this system's embedded PostgreSQL: the one whose postmaster.pid names a postgres of its tree. */
async function postgresDataDir(pids: ReadonlySet<number>): Promise<string | undefined> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith("fastcart-pg-")) continue;
    const first = await readFile(join(tmpdir(), name, "postmaster.pid"), "utf8").then(
      (text) => Number(text.split("\n")[0]),
      () => 0,
    );
    if (pids.has(first)) return join(tmpdir(), name);
  }
  return undefined;
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
  /**
   * The node process's anonymous memory outside both V8 heaps (anon − each heap's reserved total):
   * native allocations — LevelDB's caches and memtables, malloc arenas, buffers (and the few MB of
   * tsx's module-loader thread, a third isolate). The heaps' own figures swing by 100+ MB with garbage
   * between collections; this one does not.
   */
  nativeAnon: number;
  /**
   * Of that, what the main isolate's objects hold outside its heap (Buffers, ArrayBuffers:
   * nodejs_external_memory_bytes). A leak of JavaScript objects holding buffers grows this; malloc
   * fragmentation and native libraries (LevelDB) grow only the rest.
   */
  external: number;
  postgresAnon: number;
  postgresShared: number;
  kinesisDisk: number;
  databaseDisk: number;
}

const MB = 1024 * 1024;
/** A missing reading is NaN: printed as "–" and left out of the growth fit (a 0 would bend it). */
const mb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / MB).toFixed(0) : "–");

const soakStarted = Date.now();
const logDir = await scenarioDir("soak");
process.stderr.write(
  `soak: ${rate} orders/s for ${minutes} min in ${segmentSeconds}-s segments, each drained before the next${streamRetentionMinutes === undefined ? "" : `, stream retention ${streamRetentionMinutes} min`} (logs in ${logDir})\n`,
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
  // The load's admin token must outlive the run (an expired one turns every order into a 401).
  tokenTtlSeconds: minutes * 60 + 3_600,
  streamRetentionMinutes,
});
let stopping: Promise<unknown> | undefined;
const stopSystem = () => {
  stopping ??= system.stop();
  return stopping;
};
// Ctrl-C or a SIGTERM stops the system too, instead of leaving it (and its PostgreSQL) running.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`soak: ${signal}, stopping the system…\n`);
    void stopSystem().finally(() => process.exit(130));
  });
}

/** local_kinesis_heap_bytes{kind} (tools/local/kinesalite.ts); NaN when the thread did not answer. */
const kinesisHeap = (text: string, kind: "used" | "total") =>
  seriesValue(text, "local_kinesis_heap_bytes", { kind }) ?? Number.NaN;

/** Sums a series of /metrics; NaN when it is absent. */
const series = (metrics: ReadonlyMap<string, number>, name: string) => metrics.get(name) ?? Number.NaN;

const samples: Sample[] = [];
let failure: string | undefined;
try {
  const systemPid = [...system.pids].find(([, label]) => label === "system")?.[0];
  if (systemPid === undefined) throw new Error("the system process has no pid");
  const store = await kinesaliteStore(systemPid);
  const postgres = (await treeMemory(systemPid)).find((g) => g.name === "postgres");
  const postgresData = postgres ? await postgresDataDir(new Set(postgres.pids)) : undefined;
  if (!store || !postgresData) {
    throw new Error(
      `could not find the system's ${store ? "" : "kinesalite store (a LOCK file open in /proc/<pid>/fd) "}` +
        `${postgresData ? "" : "PostgreSQL data directory (postmaster.pid naming one of its postgres processes)"}`,
    );
  }
  console.log(
    "  min   decided  p99 ms │ node anon  file  heap  kinesalite heap  native  (ext) │ pg anon shared │ kinesis disk  db disk (MB)",
  );
  const segments = Math.max(1, Math.round((minutes * 60) / segmentSeconds));
  for (let segment = 1; segment <= segments; segment++) {
    // Each segment is a load run of its own with 100 new products (a few rows; nothing in memory
    // holds products), so its orders and rejections look like the bench's.
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
    const group = (name: string) => groups.find((g) => g.name === name);
    const metricsText = await (
      await fetch(system.metricsUrls[0]!, { signal: AbortSignal.timeout(10_000) })
    ).text();
    const metrics = parsePrometheus(metricsText).sum;
    const node = group("node");
    const sample: Sample = {
      minute: (Date.now() - soakStarted) / 60_000,
      decided: report.endToEnd.decided,
      p99: report.latencyMs.p99,
      nodeAnon: node?.anon ?? Number.NaN,
      nodeFile: node?.file ?? Number.NaN,
      heapUsed: series(metrics, "nodejs_heap_size_used_bytes"),
      kinesisHeapUsed: kinesisHeap(metricsText, "used"),
      nativeAnon:
        (node?.anon ?? Number.NaN) -
        series(metrics, "nodejs_heap_size_total_bytes") -
        kinesisHeap(metricsText, "total"),
      external: series(metrics, "nodejs_external_memory_bytes"),
      postgresAnon: group("postgres")?.anon ?? Number.NaN,
      postgresShared: group("postgres")?.shmem ?? Number.NaN,
      kinesisDisk: await diskBytes(store),
      databaseDisk: await diskBytes(postgresData),
    };
    samples.push(sample);
    console.log(
      `${sample.minute.toFixed(0).padStart(5)} ${String(sample.decided).padStart(9)} ${String(sample.p99).padStart(7)} │ ` +
        `${mb(sample.nodeAnon).padStart(9)} ${mb(sample.nodeFile).padStart(5)} ${mb(sample.heapUsed).padStart(5)} ` +
        `${mb(sample.kinesisHeapUsed).padStart(16)} ${mb(sample.nativeAnon).padStart(7)} ${`(${mb(sample.external)})`.padStart(6)} │ ` +
        `${mb(sample.postgresAnon).padStart(7)} ${mb(sample.postgresShared).padStart(6)} │ ` +
        `${mb(sample.kinesisDisk).padStart(12)} ${mb(sample.databaseDisk).padStart(8)}`,
    );
    if (!report.endToEnd.complete) {
      // A backlog carried into the next segment would make its lines a different load: stop here.
      throw new Error(
        `segment ${segment}: ${report.endToEnd.accepted - report.endToEnd.decided} accepted orders were not decided within 60 s of its end (the system fell behind ${rate}/s)`,
      );
    }
  }
} catch (error) {
  failure = (error as Error).message;
} finally {
  await stopSystem();
}

/** Least-squares slope of `value` against the minute, over the second half, in MB per hour. */
function perHour(value: (s: Sample) => number): string {
  const half = samples.slice(Math.floor(samples.length / 2)).filter((s) => Number.isFinite(value(s)));
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
  `\n${total} orders decided in ${samples.at(-1)?.minute.toFixed(0) ?? 0} min. Growth over the second half, MB per hour: ` +
    `node anon ${perHour((s) => s.nodeAnon)}, node file-backed ${perHour((s) => s.nodeFile)}, ` +
    `V8 heap used ${perHour((s) => s.heapUsed)}, kinesalite heap used ${perHour((s) => s.kinesisHeapUsed)}, ` +
    `native (outside the heaps) ${perHour((s) => s.nativeAnon)} (external ${perHour((s) => s.external)}), PostgreSQL anon ${perHour((s) => s.postgresAnon)}; ` +
    `on disk: kinesis ${perHour((s) => s.kinesisDisk)}, database ${perHour((s) => s.databaseDisk)}`,
);
if (failure) console.error(`soak: stopped early: ${failure}`);
process.exitCode = failure ? 1 : 0;
