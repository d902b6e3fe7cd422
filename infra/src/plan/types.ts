/**
 * The offline plan: the whole resource graph of one stack, as the provider would receive it.
 *
 * This is the shape `npm run plan -- <stack> --json FILE` writes, the shape the policy rules read, and
 * the shape the policy pack builds from `pulumi preview`'s resources — one graph, three consumers.
 */

/** Stands in for a value marked secret (config secrets, passwords, auth tokens). Never the value itself. */
export const SECRET_PLACEHOLDER = "[secret]";
/** Stands in for a value not known until the resource exists (during a preview). */
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/** One registered resource: a provider resource (`custom`) or a component that groups children. */
export interface PlanResource {
  /** Pulumi URN, unique within the stack. */
  readonly urn: string;
  /** Pulumi type token, e.g. `aws:rds/instance:Instance` or `fastcart:components:Database`. */
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  /** URN of the parent component, or null for a resource at the top of the stack. */
  readonly parent: string | null;
  /** URNs this resource depends on: explicit `dependsOn` plus every resource whose output feeds an input. */
  readonly dependsOn: readonly string[];
  /** For each input, the URNs its value came from (the same data Pulumi sends to policy packs). */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** URN of an explicit provider, or null for the default provider. */
  readonly provider: string | null;
  /** True for provider-managed resources, false for components. */
  readonly custom: boolean;
  /** Inputs under `@pulumi/aws` property names; secrets are {@link SECRET_PLACEHOLDER}. */
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface Plan {
  readonly stack: string;
  readonly project: string;
  /** In registration order. */
  readonly resources: readonly PlanResource[];
  /** Stack outputs, resolved; secrets and unknowns replaced by placeholders. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Problems the plan noticed that are not errors, e.g. a secret value that reached an unmarked input. */
  readonly warnings: readonly string[];
}
