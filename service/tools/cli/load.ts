/** `fastcart load`: drives a running API with POST /orders and reports what it measured. */
import type { Command } from "commander";
import { argvOf, defineCommand, integerIn } from "../../src/cli/command.js";
import { UsageError } from "../../src/cli/failure.js";
import { LoadUsageError, load, parseLoadArgs } from "../load/index.js";

export function loadCommand(): Command {
  const command = defineCommand({
    name: "load",
    summary: "drive a running API with POST /orders; report orders/s, latency and the drain",
    examples: [
      'npx fastcart load --url http://127.0.0.1:3000 --token "$ADMIN_TOKEN" --duration 30',
      'npx fastcart load --url http://127.0.0.1:3000 --token "$ADMIN_TOKEN" --rate 500 --json > run.json',
    ],
    notes: [
      "Exit 1 when accepted orders were not all decided within the drain timeout. With --rate the",
      "run is judged against the rate it offered; unthrottled, against 2,000 orders/s end to end.",
    ],
  })
    .requiredOption("--url <base-url>", "the API's base URL, e.g. http://127.0.0.1:3000 (required)")
    .requiredOption("--token <jwt>", "an admin token, e.g. from npx fastcart token --admin (required)")
    .option("--duration <seconds>", "seconds of load (default 60)", integerIn(1, 3600))
    .option("--connections <n>", "concurrent HTTP connections (default 64)", integerIn(1, 10_000))
    .option(
      "--rate <n>",
      "offered requests/s over all connections (default: as fast as possible)",
      integerIn(1, 1e6),
    )
    .option(
      "--metrics <urls>",
      "comma list of /metrics URLs whose counters are summed (default <url>/metrics)",
    )
    .option(
      "--skus <n>",
      "products created for the run (default 50; a tenth are scarce)",
      integerIn(10, 100_000),
    )
    .option(
      "--drain-timeout <seconds>",
      "wait for every accepted order (default: max(30, duration))",
      integerIn(1, 3600),
    )
    .option("--json", "print the report as JSON on stdout (the table goes to stderr)");
  return command.action(async () => {
    const argv = argvOf(command);
    try {
      parseLoadArgs(argv);
    } catch (error) {
      throw error instanceof LoadUsageError ? new UsageError(error.message) : error;
    }
    process.exitCode = await load(argv);
  });
}
