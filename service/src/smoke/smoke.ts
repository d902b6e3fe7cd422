/**
 * One smoke run: build the context, run the applicable checks, stream each result to the output,
 * and return the report. The CLI is a thin shell around this, so tests can run it in-process.
 */
import type { SmokeOptions } from "./args.js";
import { checksFor } from "./checks.js";
import { createContext } from "./context.js";
import { formatResult, formatSummary, type SmokeReport, summarize } from "./report.js";
import { runChecks } from "./runner.js";
import { waitForReady } from "./wait-ready.js";

export interface SmokeOutput {
  /** Result lines and the summary (stdout). */
  line(text: string): void;
  /** Notes for humans: the run id, what was not checked (stderr). */
  note(text: string): void;
}

export async function runSmoke(
  options: SmokeOptions,
  output: SmokeOutput,
  runId?: string,
): Promise<SmokeReport> {
  const context = await createContext(options, runId);
  const { checks, notChecked } = checksFor(context);
  const identity = options.jwtSecret
    ? `orders as minted customer ${context.customerId}`
    : `orders as admin for customer ${context.customerId}`;
  output.note(`smoke run ${context.runId} against ${options.baseUrl} (${identity})`);
  if (notChecked.length > 0) {
    output.note(`not checked without --customer-token or --secret: ${notChecked.join("; ")}`);
  }
  try {
    if (options.waitReadySeconds > 0) {
      const wait = await waitForReady(context.admin, options.waitReadySeconds);
      output.note(
        wait.ready
          ? `ready after ${wait.waitedMs} ms`
          : `not ready after ${options.waitReadySeconds} s (last: ${wait.last}); running the checks anyway`,
      );
    }
    const results = await runChecks(checks, context, (result) => {
      if (!options.json) output.line(formatResult(result));
    });
    const summary = summarize(results);
    const report: SmokeReport = {
      runId: context.runId,
      baseUrl: options.baseUrl,
      ok: summary.failed === 0,
      ...summary,
      notChecked,
      checks: results,
    };
    if (!options.json) output.line(formatSummary(summary));
    return report;
  } finally {
    await context.admin.close();
  }
}
