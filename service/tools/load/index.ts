/**
 * `fastcart load --url <base> --token <admin-token> [--duration 60] [--connections 64] [--skus 50]
 * [--drain-timeout <s>] [--json]`: drives a running API with POST /orders and reports what a client and
 * an operator care about — accepted orders/s and accept latency (p50/p90/p99/max) from the client side,
 * and from the server's own /metrics counters the end-to-end throughput (accepted → final status), the
 * time the workers needed to drain after the load stopped, and the worst shard lag seen.
 *
 * Why /metrics for end to end: reading back every order would itself be load on the API; the
 * counters `orders_accepted_total` and `orders_confirmed_total + orders_rejected_total` say the same
 * thing for free. They must come from one process (the `local` role holds API and workers); against a
 * split deployment the decided counters live in the worker tasks and the wait below times out.
 *
 * autocannon is a devDependency (the production image does not ship it), so it is imported lazily
 * and its absence is a clear error, not a crash at start-up of every role.
 */
export { LOAD_USAGE, LoadUsageError, parseLoadArgs } from "./args.js";
export { createLoadCatalog, randomOrderBody } from "./catalog.js";
export { runLoad } from "./driver.js";
export {
  histogramQuantile,
  parseHistogramBuckets,
  parseHistogramBucketsBy,
  parsePrometheus,
  scrapeCounters,
  seriesValue,
} from "./metrics-text.js";
export { formatLoadReport } from "./report.js";
export { loadTarget, OFFERED_RATE_SLACK } from "./target.js";
export { LOAD_TARGET, type LoadOptions, type LoadReport } from "./types.js";

import { LOAD_USAGE, LoadUsageError, parseLoadArgs } from "./args.js";
import { runLoad } from "./driver.js";
import { formatLoadReport } from "./report.js";

/** The role's entry point (main.ts): 0 when every accepted order was decided, 1 otherwise, 2 on bad usage. */
export async function load(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseLoadArgs>;
  try {
    options = parseLoadArgs(argv);
  } catch (error) {
    if (!(error instanceof LoadUsageError)) throw error;
    process.stderr.write(`fastcart load: ${error.message}\n\n${LOAD_USAGE}\n`);
    return 2;
  }
  process.stderr.write(
    `fastcart load: ${options.durationSeconds} s against ${options.url} with ${options.connections} connections…\n`,
  );
  const report = await runLoad(options);
  const table = `\nFastCart load report\n${formatLoadReport(report)}\n`;
  if (options.json) {
    process.stderr.write(table);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(table);
  }
  if (!report.endToEnd.complete) {
    process.stderr.write(
      `fastcart load: ${report.endToEnd.accepted - report.endToEnd.decided} accepted orders were not decided ` +
        `within ${options.drainTimeoutSeconds} s (are the workers running? when they run apart from the API, list their /metrics with --metrics)\n`,
    );
    return 1;
  }
  return 0;
}
