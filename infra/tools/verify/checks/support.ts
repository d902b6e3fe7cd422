/** What several check areas share: plan references, one-of lookups, the "not found" failure. */
import type { PlanResource } from "../../../src/plan/types.js";
import type { PlanView } from "../plan-view.js";
import { type CheckContext, type Findings, MissingResource } from "../types.js";

/** `value`, or a failed check naming what is missing. */
export function found<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new MissingResource(what);
  return value;
}

/** The plan resources of `type` that feed input `input` of `resource` (its property dependencies). */
export function referenced(
  plan: PlanView,
  resource: PlanResource,
  input: string,
  type: string,
): PlanResource[] {
  const urns = new Set(resource.propertyDependencies[input] ?? []);
  return plan.all(type).filter((candidate) => urns.has(candidate.urn));
}

/** The `Name` tag a plan resource gives itself. */
export function nameTag(resource: PlanResource): string | undefined {
  const tags = resource.inputs["tags"] as Record<string, unknown> | undefined;
  const name = tags?.["Name"];
  return typeof name === "string" ? name : undefined;
}

/** The first of `keys` the stack exports (the two output profiles name the same thing differently). */
export function outputKey(plan: PlanView, keys: readonly string[]): string | undefined {
  return keys.find((key) => plan.output(key) !== undefined);
}

/**
 * Compares a live value with the stack output `key`, when the stack exports it: the outputs are what
 * other systems and integration suites use, so they must name the live resource.
 */
export function matchesOutput(
  { outputs }: Pick<CheckContext, "outputs">,
  findings: Findings,
  key: string | undefined,
  live: unknown,
): void {
  if (key !== undefined && outputs.has(key)) findings.equal(`output ${key}`, outputs.text(key), live);
}

/** The output whose planned value contains `fragment` (e.g. `:targetgroup/fastcart-tg-blue-prod/`). */
export function outputContaining(plan: PlanView, fragment: string): string | undefined {
  return Object.keys(plan.plan.outputs).find((key) => String(plan.output(key)).includes(fragment));
}

/** A plan value that is a real expectation, not a placeholder for a secret or an unknown. */
export function known(value: unknown): boolean {
  return value !== undefined && !(typeof value === "string" && value.startsWith("[") && value.endsWith("]"));
}
