/**
 * `npm run bench [-- --duration 60 --connections 64 --rate 2000 --layouts in-process,separate-kinesalite
 *   --database embedded|server --port-base N --shards 2 --workers 2 --items N --prefill N
 *   --mode stream|table --aggregation|--no-aggregation --no-baseline --profile --json --check]`
 *
 * Starts the local system as child processes (see system-under-test.ts), waits for /ready, drives it
 * with the `load` role's logic from this process, prints the figures, stops the system with SIGTERM and
 * reports how long its shutdown took. One scenario per layout × database; with several, a comparison
 * table follows. `--profile` records a V8 CPU profile of each service process and prints its hot spots.
 *
 * Each scenario also runs the bare-fastify baseline (same validation, same load generator) and prints
 * the goals (goals.ts): accept-rate ratio, records per order, bytes per shard-second and implied AWS
 * capacity, event-loop delay p99, GC and RSS per process. `--port-base N` keeps every server it starts
 * in N … N+99.
 *
 * The database defaults to a fresh database on the server in DATABASE_URL when that is set (the
 * server is left as it was: the database is dropped afterwards), else to embedded PostgreSQL.
 */
import { readdir } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { formatLoadReport, type LoadReport, runLoad } from "../tools/load/index.js";
import { type BaselineResult, runBaseline } from "./baseline.js";
import { type BenchOptions, parseBenchArgs } from "./bench-args.js";
import {
  formatProfileSummary,
  ownHotspots,
  type ProfileSummary,
  readProfile,
  summarizeProfile,
} from "./cpu-profile.js";
import { formatGoals } from "./goals.js";
import { type MachineCpu, measureMachineCpu } from "./machine-cpu.js";
import { prefillOrders } from "./prefill.js";
import { type CpuShare, measureProcessCpu, SELF_LABEL } from "./process-cpu.js";
import { type ProcessGauges, sampleProcesses } from "./process-gauges.js";
import { type DatabaseChoice, type Layout, scenarioDir, startSystem } from "./system-under-test.js";

interface ScenarioResult {
  layout: Layout;
  database: DatabaseChoice;
  readyMs: number;
  /**
   * 1-minute load average before and after the load, the core count, and how busy all the cores were
   * during load + drain (every process, ours or not; undefined off Linux): other work on the machine
   * takes CPU from the system under test, so figures measured on a busy machine are not comparable,
   * and a machine near 100 % busy says the run was bound by the cores, whatever its figures.
   */
  machine: { cores: number; loadBefore: number; loadAfter: number; cpu?: MachineCpu };
  /** CPU per process group during the load and drain (percent of one core). */
  cpu: CpuShare[];
  shutdownMs: number;
  shutdownExitCode: number | string;
  report: LoadReport;
  baseline?: BaselineResult;
  gauges: ProcessGauges[];
  shards: number;
  loadSeconds: number;
  logFiles: string[];
  /** One per profiled service process (system, or serve and work), labelled as in `cpu`. */
  profiles?: {
    process: string;
    summary: ProfileSummary;
    ownCode: { name: string; inclusivePercent: number }[];
  }[];
}

async function runScenario(
  options: BenchOptions,
  layout: Layout,
  database: DatabaseChoice,
): Promise<ScenarioResult> {
  const dir = await scenarioDir(`${layout}-${database}`);
  let baseline: BaselineResult | undefined;
  if (options.baseline) {
    const seconds = Math.min(20, options.durationSeconds);
    process.stderr.write(
      `\n▶ bare-fastify baseline: ${seconds} s with ${options.connections} connections…\n`,
    );
    baseline = await runBaseline({
      seconds,
      connections: options.connections,
      items: options.items,
      ports: options.ports,
      logDir: dir,
    });
    process.stderr.write(`  ${baseline.acceptedPerSecond} accepted/s, p99 ${baseline.p99Ms} ms\n`);
  }
  process.stderr.write(`\n▶ ${layout} / ${database} PostgreSQL: starting the system (logs in ${dir})…\n`);
  const system = await startSystem({
    layout,
    database,
    serverUrl: options.serverUrl,
    cpuProfileDir: options.profile ? dir : undefined,
    logDir: dir,
    ports: options.ports,
    shards: options.shards,
    workers: options.workers,
    mode: options.mode,
    aggregate: options.aggregate,
  });
  if (options.prefill > 0) {
    if (!system.databaseUrl)
      throw new Error("--prefill: the system's database is not reachable from the bench");
    await prefillOrders(system.databaseUrl, options.prefill);
  }
  process.stderr.write(
    `  ready at ${system.url} in ${(system.readyMs / 1000).toFixed(1)} s; load for ${options.durationSeconds} s\n`,
  );
  const loadBefore = loadavg()[0]!;
  // The shared server's postgres processes serve every database on it: counted, and labelled so.
  const cpuMeter = await measureProcessCpu(
    new Map([...system.pids, [process.pid, SELF_LABEL]]),
    database === "server" ? new Map([["postgres", "postgres server (whole machine)"]]) : new Map(),
  );
  const machineMeter = await measureMachineCpu();
  const gaugeSampler = await sampleProcesses(system.processMetrics);
  let report: LoadReport | undefined;
  let failure: unknown;
  try {
    report = await runLoad({
      url: system.url,
      token: system.adminToken,
      metricsUrls: system.metricsUrls,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      rate: options.rate,
      skus: options.skus,
      scarceSkus: Math.max(1, Math.floor(options.skus / 10)),
      drainTimeoutSeconds: options.drainTimeoutSeconds,
      items: options.items,
      progress: true,
    });
  } catch (error) {
    failure = error;
  }
  const gauges = await gaugeSampler.stop();
  const cpu = await cpuMeter.stop();
  const machineCpu = await machineMeter.stop();
  const loadAfter = loadavg()[0]!;
  const stopped = await system.stop();
  if (!report) throw failure;
  process.stderr.write(
    `  stopped (SIGTERM) in ${(stopped.shutdownMs / 1000).toFixed(2)} s, exit ${stopped.exitCode}\n`,
  );
  const result: ScenarioResult = {
    layout,
    database,
    readyMs: system.readyMs,
    machine: { cores: availableParallelism(), loadBefore, loadAfter, cpu: machineCpu },
    cpu,
    shutdownMs: stopped.shutdownMs,
    shutdownExitCode: stopped.exitCode,
    report,
    baseline,
    gauges,
    shards: options.shards,
    loadSeconds: report.durationSeconds,
    logFiles: system.logFiles,
  };
  if (options.profile) {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx's module
    // loader runs in a thread of its own and writes a second, uninteresting profile).
    const files = (await readdir(dir)).filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
    result.profiles = [];
    for (const file of files) {
      const pid = Number(/\.(\d+)\.0\.\d+\.cpuprofile$/.exec(file)?.[1]);
      const profile = await readProfile(join(dir, file));
      result.profiles.push({
        process: system.pids.get(pid) ?? `pid ${pid}`,
        summary: summarizeProfile(profile, join(dir, file), 25),
        ownCode: ownHotspots(profile, 15).map(({ name, inclusivePercent }) => ({ name, inclusivePercent })),
      });
    }
    if (files.length === 0) {
      process.stderr.write(`  no CPU profile was written in ${dir} (did the system exit normally?)\n`);
    }
  }
  return result;
}

/**
 * CPU per group as % of a core and as CPU milliseconds per decided order. The latter does not depend
 * on how busy the machine was: 1,000 / (ms per order) is the orders/s one core could carry for that
 * process — for the system process (one event loop: API + workers) that is its ceiling.
 */
function formatCpu(result: ScenarioResult): string[] {
  const decided = Math.max(1, result.report.endToEnd.decided);
  const shares = result.cpu.filter((share) => share.cpuSeconds > 0);
  const perOrder = (share: CpuShare) => (share.cpuSeconds * 1000) / decided;
  const total = shares.reduce((sum, share) => sum + perOrder(share), 0);
  const system = shares.find((share) => share.group === "system: node");
  return [
    "  CPU during load + drain (% of one core; CPU ms per decided order):",
    ...shares.map(
      (share) =>
        `    ${share.group.padEnd(34)} ${String(share.percentOfCore).padStart(4)}%  ${perOrder(share).toFixed(3)} ms/order`,
    ),
    `    all together: ${total.toFixed(3)} ms/order → ${Math.round((1000 * result.machine.cores) / total)} orders/s if they had all ${result.machine.cores} cores` +
      (system
        ? `; the system process alone: ${Math.round(1000 / perOrder(system))} orders/s on one core`
        : ""),
    ...formatMachineCpu(result.machine, shares),
  ];
}

/**
 * The whole machine beside the bench's own processes: near 100 % busy means the run was bound by the
 * cores (a latency then measures the run queue), and busy well above the processes' sum means other
 * work took CPU from the run.
 */
function formatMachineCpu(machine: ScenarioResult["machine"], shares: CpuShare[]): string[] {
  if (machine.cpu === undefined) return [];
  const ours = shares.reduce((sum, share) => sum + share.percentOfCore, 0) / machine.cpu.cpus;
  const other = Math.max(0, machine.cpu.busyPercent - ours);
  return [
    `    whole machine: ${machine.cpu.busyPercent.toFixed(0)} % of its ${machine.cpu.cpus} CPUs busy, ${machine.cpu.stealPercent.toFixed(1)} % stolen by the hypervisor; ` +
      `the processes above ${ours.toFixed(0)} %, other work ${other.toFixed(0)} %` +
      (machine.cpu.busyPercent + machine.cpu.stealPercent >= 90 ? "  (the cores were the limit)" : ""),
  ];
}

function formatScenario(result: ScenarioResult): string {
  const lines = [
    `\n${result.layout} / ${result.database} PostgreSQL`,
    formatLoadReport(result.report),
    `  system ready in ${(result.readyMs / 1000).toFixed(1)} s; SIGTERM → exit ${result.shutdownExitCode} in ${(result.shutdownMs / 1000).toFixed(2)} s`,
    `  machine: ${result.machine.cores} cores, load average ${result.machine.loadBefore.toFixed(2)} before / ${result.machine.loadAfter.toFixed(2)} after${result.machine.loadBefore > result.machine.cores ? "  (busy before the run: figures are low)" : ""}`,
    ...formatCpu(result),
    ...formatGoals({
      acceptedPerSecond: result.report.requests.acceptedPerSecond,
      baseline: result.baseline,
      rate: result.report.rate ?? undefined,
      shards: result.shards,
      loadSeconds: result.loadSeconds,
      gauges: result.gauges,
    }),
    `  logs: ${result.logFiles.join(", ")}`,
  ];
  for (const profile of result.profiles ?? []) {
    lines.push(`\n[${profile.process}] ${formatProfileSummary(profile.summary)}`);
    lines.push("  our code, inclusive % of busy time:");
    for (const f of profile.ownCode) lines.push(`    ${String(f.inclusivePercent).padStart(5)}%  ${f.name}`);
  }
  return lines.join("\n");
}

function formatComparison(results: ScenarioResult[]): string {
  const header = [
    "scenario",
    "e2e/s",
    "202/s",
    "p50 ms",
    "p99 ms",
    "drain s",
    "decide p99 s",
    "backlog",
    "stop s",
    "target",
  ];
  const rows = results.map((r) => [
    `${r.layout}/${r.database}`,
    String(r.report.endToEnd.ordersPerSecond),
    String(r.report.requests.acceptedPerSecond),
    String(r.report.latencyMs.p50),
    String(r.report.latencyMs.p99),
    (r.report.endToEnd.drainMs / 1000).toFixed(2),
    r.report.workerLag.processingP99Seconds?.toFixed(2) ?? "n/a",
    String(r.report.workerLag.backlogMax),
    (r.shutdownMs / 1000).toFixed(2),
    r.report.target.met ? "met" : "missed",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`;
  const fastest = [...results].sort(
    (a, b) => b.report.endToEnd.ordersPerSecond - a.report.endToEnd.ordersPerSecond,
  )[0]!;
  return [
    "\ncomparison",
    line(header),
    ...rows.map(line),
    `  fastest end to end: ${fastest.layout}/${fastest.database} (${fastest.report.endToEnd.ordersPerSecond} orders/s)`,
  ].join("\n");
}

export async function bench(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const results: ScenarioResult[] = [];
  for (const layout of options.layouts) {
    for (const database of options.databases) {
      const result = await runScenario(options, layout, database);
      results.push(result);
      (options.json ? process.stderr : process.stdout).write(`${formatScenario(result)}\n`);
    }
  }
  if (results.length > 1)
    (options.json ? process.stderr : process.stdout).write(`${formatComparison(results)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

  const incomplete = results.filter((r) => !r.report.endToEnd.complete);
  if (incomplete.length > 0) {
    process.stderr.write(
      `bench: ${incomplete.length} scenario(s) did not decide every accepted order in time\n`,
    );
    return 1;
  }
  if (options.check && results.some((r) => !r.report.target.met)) {
    process.stderr.write("bench: target missed (--check)\n");
    return 1;
  }
  return 0;
}

bench(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
