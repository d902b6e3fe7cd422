/**
 * Read access to the offline plan, the verifier's source of expectations, and the translation of the
 * plan's stand-in identifiers (account 123456789012, hashed ids) into the deployed stack's real ones.
 */
import type { Plan, PlanResource } from "../../src/plan/types.js";

export class PlanView {
  constructor(readonly plan: Plan) {}

  /** Provider resources of one Pulumi type, in registration order. */
  all(type: string): PlanResource[] {
    return this.plan.resources.filter((resource) => resource.custom && resource.type === type);
  }

  has(type: string): boolean {
    return this.all(type).length > 0;
  }

  /** The only resource of `type` (the stacks have one VPC, one key, one cluster…). */
  one(type: string): PlanResource {
    const found = this.all(type);
    if (found.length !== 1) {
      throw new Error(`the plan has ${found.length} resources of type ${type}, expected exactly one`);
    }
    return found[0] as PlanResource;
  }

  /** The resource of `type` whose Pulumi logical name is `name`, if the plan has it. */
  named(type: string, name: string): PlanResource | undefined {
    return this.all(type).find((resource) => resource.name === name);
  }

  /** The plan's value of stack output `key`. */
  output(key: string): unknown {
    return this.plan.outputs[key];
  }
}

/** A plan input by dotted path (`healthCheck.path`, `rules.0.name`); undefined when absent. */
export function inputAt(resource: PlanResource, path: string): unknown {
  let value: unknown = resource.inputs;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A plan input that must be a string (names, ARNs). */
export function stringInput(resource: PlanResource, path: string): string {
  const value = inputAt(resource, path);
  if (typeof value !== "string") {
    throw new Error(`plan resource ${resource.name} has no string input ${path}`);
  }
  return value;
}

/** Parses a JSON-document input (container definitions, policies, dashboard bodies). */
export function jsonInput(resource: PlanResource, path: string): unknown {
  return JSON.parse(stringInput(resource, path));
}

/**
 * Rewrites plan values into live ones: every plan identifier with a known live counterpart (from the
 * outputs, the account id, the stack's key) is replaced, longest first so an ARN wins over the id inside it.
 */
export class Translator {
  private readonly pairs = new Map<string, string>();

  add(planValue: unknown, liveValue: unknown): void {
    if (Array.isArray(planValue) && Array.isArray(liveValue)) {
      for (const [index, item] of planValue.entries()) this.add(item, liveValue[index]);
      return;
    }
    if (typeof planValue !== "string" || typeof liveValue !== "string") return;
    if (planValue === "" || planValue.startsWith("[")) return;
    // A later, more authoritative pair replaces an earlier one; identity needs no pair at all.
    if (planValue === liveValue) this.pairs.delete(planValue);
    else this.pairs.set(planValue, liveValue);
  }

  /** `value` with every known plan identifier replaced, recursively through arrays and objects. */
  live<T>(value: T): T {
    if (typeof value === "string") return this.liveString(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.live(item)) as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.live(v)])) as T;
    }
    return value;
  }

  private liveString(text: string): string {
    let result = text;
    const ordered = [...this.pairs.entries()].sort((a, b) => b[0].length - a[0].length);
    for (const [plan, live] of ordered) result = result.split(plan).join(live);
    return result;
  }
}
