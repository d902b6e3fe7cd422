/** Runs the checks one after another (each bounded by a timeout), reporting each as it finishes. */
import { describeError } from "./errors.js";
import type { VerifyReport } from "./report.js";
import { type Check, type CheckContext, type CheckResult, Findings, MissingResource } from "./types.js";

export interface RunOptions {
  /** Upper bound of one check, all its calls included. */
  readonly checkTimeoutMs: number;
  readonly onResult?: (result: CheckResult, index: number, total: number) => void;
}

export async function runChecks(
  checks: readonly Check[],
  context: CheckContext,
  options: RunOptions,
): Promise<VerifyReport> {
  const started = performance.now();
  const results: CheckResult[] = [];
  for (const [index, check] of checks.entries()) {
    const result = await runOne(check, context, check.timeoutMs?.(context) ?? options.checkTimeoutMs);
    results.push(result);
    options.onResult?.(result, index + 1, checks.length);
  }
  const passed = results.filter((r) => r.ok).length;
  return {
    stack: context.stack,
    outputsSource: context.outputs.source,
    ok: passed === results.length,
    passed,
    failed: results.length - passed,
    ms: Math.round(performance.now() - started),
    checks: results,
  };
}

async function runOne(check: Check, context: CheckContext, timeoutMs: number): Promise<CheckResult> {
  const findings = new Findings();
  const started = performance.now();
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([check.run(context, findings), timeout]);
  } catch (caught) {
    error = caught instanceof MissingResource ? caught.message : describeError(caught);
  } finally {
    clearTimeout(timer);
  }
  return {
    id: check.id,
    title: check.title,
    ok: error === undefined && findings.mismatches.length === 0,
    ms: Math.round(performance.now() - started),
    mismatches: findings.mismatches,
    notes: findings.notes,
    ...(error === undefined ? {} : { error }),
  };
}
