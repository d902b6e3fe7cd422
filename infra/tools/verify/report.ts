/** How results are shown: one line per check as it finishes, the mismatches under it, one summary line. */
import type { CheckResult } from "./types.js";

export interface VerifyReport {
  readonly stack: string;
  readonly outputsSource: string;
  readonly ok: boolean;
  readonly passed: number;
  readonly failed: number;
  readonly ms: number;
  readonly checks: readonly CheckResult[];
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `[ 3/17] PASS kms-key  42 ms  alias/… → …` and, for a failure, one indented line per mismatch. */
export function formatResult(result: CheckResult, index: number, total: number): string {
  const width = String(total).length;
  const position = `[${String(index).padStart(width)}/${total}]`;
  const head = `${position} ${result.ok ? "PASS" : "FAIL"} ${result.id.padEnd(22)} ${String(result.ms).padStart(6)} ms`;
  const lines = [result.notes.length > 0 && result.ok ? `${head}  ${result.notes.join("; ")}` : head];
  const indent = " ".repeat(position.length + 6);
  for (const m of result.mismatches) {
    lines.push(`${indent}${m.what}: expected ${show(m.expected)}, got ${show(m.actual)}`);
  }
  if (result.error !== undefined) lines.push(`${indent}${result.error}`);
  return lines.join("\n");
}

export function formatSummary(report: VerifyReport): string {
  const seconds = (report.ms / 1000).toFixed(1);
  const failedIds = report.checks.filter((c) => !c.ok).map((c) => c.id);
  return (
    `verify ${report.stack}: ${report.passed} passed, ${report.failed} failed in ${seconds} s` +
    (failedIds.length > 0 ? ` (failed: ${failedIds.join(", ")})` : "")
  );
}
