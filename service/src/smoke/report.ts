/**
 * Output of the smoke suite. Text: one line per check, `PASS|FAIL  <name>  <ms>  [detail]`, then
 * `smoke: N passed, M failed` (CI greps these). JSON: one document with the same facts.
 */
import type { CheckResult } from "./runner.js";

const NAME_WIDTH = 58;

export function formatResult(result: CheckResult): string {
  const verdict = result.ok ? "PASS" : "FAIL";
  const ms = `${result.ms}ms`.padStart(7);
  const line = `${verdict}  ${result.name.padEnd(NAME_WIDTH)}  ${ms}`;
  return result.detail ? `${line}  ${result.detail}` : line;
}

export interface Summary {
  passed: number;
  failed: number;
}

export function summarize(results: readonly CheckResult[]): Summary {
  const passed = results.filter((result) => result.ok).length;
  return { passed, failed: results.length - passed };
}

export function formatSummary(summary: Summary): string {
  return `smoke: ${summary.passed} passed, ${summary.failed} failed`;
}

export interface SmokeReport extends Summary {
  runId: string;
  baseUrl: string;
  ok: boolean;
  notChecked: string[];
  checks: CheckResult[];
}

export function formatJson(report: SmokeReport): string {
  return JSON.stringify(report, null, 2);
}
