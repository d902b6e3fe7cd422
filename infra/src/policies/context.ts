import { loadStackConfig } from "../config.js";
import { INFRA_DIR, readStackSettings } from "../plan/stack-settings.js";
import type { PlanResource } from "../plan/types.js";
import type { PolicyContext } from "./graph.js";

/**
 * The context of a stack, from its stack file validated by src/config.ts (the same reading the
 * program gets), so the naming and tag rules compare against the suffix the program really used.
 */
export function policyContextForStack(stack: string, dir: string = INFRA_DIR): PolicyContext {
  const settings = readStackSettings(stack, dir);
  const config = loadStackConfig(
    (key) => settings.config[key.includes(":") ? key : `${settings.project}:${key}`],
    stack,
  );
  return { stack, environmentSuffix: config.environmentSuffix };
}

/** The stack a set of resources belongs to, read from their URNs (`urn:pulumi:<stack>::<project>::…`). */
export function stackOfResources(resources: readonly PlanResource[]): string {
  const stacks = new Set(
    resources.map((resource) => resource.urn.split("::")[0]?.replace(/^urn:pulumi:/, "")),
  );
  if (stacks.size !== 1) {
    throw new Error(
      `Expected the resources of exactly one stack, found ${stacks.size}: ${[...stacks].join(", ") || "(none)"}.`,
    );
  }
  return [...stacks][0] as string;
}
