import { type PolicyResource, UnknownValueError } from "@pulumi/policy";
import { type PlanResource, UNKNOWN_PLACEHOLDER } from "../plan/types.js";

/**
 * Copies a policy pack's property proxy into plain data. The proxy throws on values that are not known
 * during a preview; those become {@link UNKNOWN_PLACEHOLDER}, exactly as in an offline plan, so the rules
 * see one representation whichever way the graph was produced.
 */
function copyKnown(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const read = (key: string | number): unknown => {
    try {
      return copyKnown((value as Record<string | number, unknown>)[key]);
    } catch (error) {
      if (error instanceof UnknownValueError) return UNKNOWN_PLACEHOLDER;
      throw error;
    }
  };
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, index) => read(index));
  return Object.fromEntries(Object.keys(value).map((key) => [key, read(key)]));
}

/** The resources `validateStack` receives, in the plan's shape (the policy rules' only input). */
export function planResourcesFromPolicy(resources: readonly PolicyResource[]): PlanResource[] {
  return resources.map((resource) => ({
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    parent: resource.parent?.urn ?? null,
    dependsOn: resource.dependencies.map((dependency) => dependency.urn).sort(),
    propertyDependencies: Object.fromEntries(
      Object.entries(resource.propertyDependencies).map(([property, sources]) => [
        property,
        sources.map((source) => source.urn).sort(),
      ]),
    ),
    provider: resource.provider?.urn ?? null,
    // The engine gives every provider-managed resource a provider (the default one if none was chosen);
    // components and the stack itself have none.
    custom: resource.provider !== undefined || resource.type.startsWith("pulumi:providers:"),
    inputs: copyKnown(resource.props) as Record<string, unknown>,
  }));
}
