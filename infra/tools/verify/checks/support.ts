/** What several check areas share: plan references, one-of lookups, the "not found" failure. */
import type { PlanResource } from "../../../src/plan/types.js";
import type { PlanView } from "../plan-view.js";
import { MissingResource } from "../types.js";

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

/** A plan value that is a real expectation, not a placeholder for a secret or an unknown. */
export function known(value: unknown): boolean {
  return value !== undefined && !(typeof value === "string" && value.startsWith("[") && value.endsWith("]"));
}
