/**
 * Runs checks one after another, timing each and turning every way a check can end into one
 * result: PASS, FAIL with the reason, or FAIL "not run" when something it needs failed before.
 * Checks run in order because later ones build on earlier ones (products → orders → cancel).
 */
import { UnreachableError } from "./client.js";
import { CheckFailure, NotRun } from "./expect.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface Check<Context> {
  name: string;
  /** Resolves (optionally with a detail for the PASS line) or throws CheckFailure / NotRun. */
  run(context: Context): Promise<string | undefined>;
}

/** Codes that mean no server answers at that address at all: every later check would say the same. */
const NO_SERVER_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPROTO",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

export async function runChecks<Context>(
  checks: readonly Check<Context>[],
  context: Context,
  onResult: (result: CheckResult) => void,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let unreachable: string | undefined;
  for (const check of checks) {
    const started = performance.now();
    let result: CheckResult;
    if (unreachable) {
      result = { name: check.name, ok: false, ms: 0, detail: `not run: ${unreachable}` };
    } else {
      try {
        const detail = await check.run(context);
        result = { name: check.name, ok: true, ms: elapsed(started) };
        if (detail) result.detail = detail;
      } catch (error) {
        result = { name: check.name, ok: false, ms: elapsed(started), detail: explain(error) };
        if (error instanceof UnreachableError && NO_SERVER_CODES.has(error.code)) {
          unreachable = `no server at ${new URL(error.url).origin} (${error.code})`;
        }
      }
    }
    results.push(result);
    onResult(result);
  }
  return results;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function explain(error: unknown): string {
  if (error instanceof NotRun) return `not run: ${error.message}`;
  if (error instanceof CheckFailure || error instanceof UnreachableError) return error.message;
  // Anything else is a bug in the suite itself (or a response shape it did not foresee): say so.
  const err = error as Error;
  return `unexpected error in the smoke suite: ${err?.stack ?? String(error)}`;
}
