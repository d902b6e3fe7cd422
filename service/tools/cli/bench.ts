/** `fastcart bench`: the benchmark (bench/bench.ts) — starts the system, loads it, prints numbers. */
import type { Command } from "commander";
import { argvOf, defineCommand, integerIn } from "../../src/cli/command.js";
import { runTypeScript } from "./child.js";

const BENCH = new URL("../../bench/bench.ts", import.meta.url);

export function benchCommand(): Command {
  const command = defineCommand({
    name: "bench",
    summary: "start the local system as child processes, load it over HTTP, print throughput and latency",
    examples: [
      "npx fastcart bench --duration 60",
      "npx fastcart bench --duration 30 --rate 1000 --layouts all --database embedded,server",
    ],
    notes: [
      "Numbers, not assertions: it exits 1 only when accepted orders were not all decided in time",
      "(or, with --check, when the run missed its target). See the README's Benchmarks section.",
      "Passed through to the bench and checked there: --port-base N, --shards N, --workers N, --items N,",
      "--prefill N, --mode stream|table, --aggregation | --no-aggregation (default: KINESIS_AGGREGATION's",
      "default, on), --no-baseline.",
    ],
  })
    // The bench's own flags (bench/bench-args.ts validates them and names the flag in its errors);
    // commander would read --no-baseline / --no-aggregation as negations of undeclared options.
    .allowUnknownOption()
    .allowExcessArguments()
    .option("--duration <seconds>", "seconds of load per scenario (default 60)", integerIn(1, 3600))
    .option("--connections <n>", "concurrent HTTP connections (default 64)", integerIn(1, 10_000))
    .option(
      "--rate <n>",
      "offered requests/s over all connections (default: as fast as possible)",
      integerIn(1, 1e6),
    )
    .option("--skus <n>", "products created for the run (default 50)", integerIn(10, 100_000))
    .option(
      "--drain-timeout <seconds>",
      "wait for every accepted order (default: max(30, duration))",
      integerIn(1, 3600),
    )
    .option("--layouts <list>", "in-process, separate-kinesalite, split-roles, or all (default in-process)")
    .option(
      "--database <list>",
      "embedded and/or server (default: server when DATABASE_URL is set, else embedded)",
    )
    .option("--profile", "record a CPU profile of each service process and print its hot spots")
    .option("--json", "print the results as JSON on stdout")
    .option("--check", "exit 1 when a scenario misses its target");
  return command.action(async () => {
    process.exitCode = await runTypeScript(BENCH, [...argvOf(command), ...command.args]);
  });
}
