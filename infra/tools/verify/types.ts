/**
 * The verifier's vocabulary: a check compares what the account runs with what the offline plan promised
 * and reports each difference as a {@link Mismatch} naming the setting, the expected and the actual value.
 */
import type { Plan } from "../../src/plan/types.js";
import type { AwsClients } from "./aws.js";
import type { StackOutputs } from "./outputs.js";
import type { PlanView, Translator } from "./plan-view.js";

/** One setting that differs from the plan. */
export interface Mismatch {
  readonly what: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Collects mismatches while a check compares settings. */
export class Findings {
  readonly mismatches: Mismatch[] = [];
  readonly notes: string[] = [];

  /** Records a mismatch unless `actual` deep-equals `expected` (`undefined` actual: "absent"). */
  equal(what: string, expected: unknown, actual: unknown): void {
    if (!sameValue(expected, actual)) this.mismatches.push({ what, expected, actual: actual ?? "(absent)" });
  }

  /** Records a mismatch unless every expected member is in `actual` (order ignored). */
  includes(what: string, expected: readonly unknown[], actual: readonly unknown[] | undefined): void {
    const missing = expected.filter(
      (item) => !(actual ?? []).some((candidate) => sameValue(item, candidate)),
    );
    if (missing.length > 0) this.mismatches.push({ what, expected, actual: actual ?? "(absent)" });
  }

  /** Records a mismatch when `ok` is false. */
  that(what: string, ok: boolean, expected: unknown, actual: unknown): void {
    if (!ok) this.mismatches.push({ what, expected, actual: actual ?? "(absent)" });
  }

  /** A fact worth printing under a passing check (e.g. how many targets are healthy). */
  note(text: string): void {
    this.notes.push(text);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "string") return String(a) === b;
  if (typeof a === "string" && typeof b === "number") return a === String(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return (
      a.length === b.length && [...a].map(String).sort().join("\n") === [...b].map(String).sort().join("\n")
    );
  }
  return false;
}

/** What every check reads: the plan, the deployed stack's outputs, the AWS clients. */
export interface CheckContext {
  readonly stack: string;
  readonly region: string;
  readonly plan: PlanView;
  readonly outputs: StackOutputs;
  readonly aws: AwsClients;
  /** Plan identifiers → the deployed stack's (account, ids and ARNs known from the outputs, the key). */
  readonly translate: Translator;
  readonly smoke: SmokeSettings;
}

/** How the closing smoke suite runs. */
export interface SmokeSettings {
  /** Run it: always through the ALB; in the VPC (a one-off ECS task) only when asked (`--smoke`). */
  readonly inVpc: boolean;
  /** Skip it entirely (`--no-smoke`). */
  readonly skip: boolean;
  /** Seconds the suite waits for `/ready` first. */
  readonly waitReadySec: number;
  /** Upper bound of the whole suite (and of the one-off task from start to STOPPED). */
  readonly timeoutSec: number;
  /** Interval between DescribeTasks polls of the one-off task. */
  readonly pollMs: number;
}

/** One named check; `appliesTo` decides from the plan alone whether the stack has the feature. */
export interface Check {
  readonly id: string;
  /** One line: what a pass means. */
  readonly title: string;
  appliesTo(plan: PlanView): boolean;
  /** Its own upper bound, when it needs another than `--check-timeout` (the smoke suite). */
  timeoutMs?(context: CheckContext): number;
  run(context: CheckContext, findings: Findings): Promise<void>;
}

/** A check's outcome as printed and written to `--json`. */
export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly mismatches: readonly Mismatch[];
  readonly notes: readonly string[];
  /** The call that failed (not found, access denied, timeout), when the check could not compare. */
  readonly error?: string;
}

/** Thrown when an expected resource does not exist at all (the check fails naming it). */
export class MissingResource extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = "MissingResource";
  }
}

export type { Plan };
