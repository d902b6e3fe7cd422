import { type PlanResource, UNKNOWN_PLACEHOLDER } from "../plan/types.js";

/** One finding: which resource and what is wrong with it, in words a reviewer can act on. */
export interface Violation {
  readonly rule: string;
  readonly urn: string;
  readonly message: string;
}

/** What a rule needs to know about the stack besides its resources. */
export interface PolicyContext {
  /** Pulumi stack name (the Stack tag). */
  readonly stack: string;
  /** `environmentSuffix` of the stack: every physical name carries it, and it is the Environment tag. */
  readonly environmentSuffix: string;
}

/** A policy rule: a plain function over the resource graph. */
export interface Rule {
  /** Kebab-case; also the policy name in the PolicyPack. */
  readonly name: string;
  readonly description: string;
  check(graph: ResourceGraph, context: PolicyContext): Violation[];
}

/** The resources of a plan (or of a `pulumi preview`), indexed for the questions rules ask. */
export class ResourceGraph {
  private readonly byUrn: ReadonlyMap<string, PlanResource>;

  constructor(readonly resources: readonly PlanResource[]) {
    this.byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  }

  get(urn: string): PlanResource | undefined {
    return this.byUrn.get(urn);
  }

  ofType(...types: string[]): PlanResource[] {
    return this.resources.filter((resource) => types.includes(resource.type));
  }

  /** The resources whose outputs fed `property` of `resource` (e.g. the key behind `kmsKeyId`). */
  sourcesOf(resource: PlanResource, property: string, ...types: string[]): PlanResource[] {
    return (resource.propertyDependencies[property] ?? [])
      .map((urn) => this.byUrn.get(urn))
      .filter(
        (source): source is PlanResource =>
          source !== undefined && (types.length === 0 || types.includes(source.type)),
      );
  }

  /** Resources of `types` that take `property` from `source` (e.g. the rules whose `securityGroupId` is this SG). */
  consumersOf(source: PlanResource, property: string, ...types: string[]): PlanResource[] {
    return this.ofType(...types).filter((resource) =>
      (resource.propertyDependencies[property] ?? []).includes(source.urn),
    );
  }
}

/** Reads a dotted path (`networkConfiguration.assignPublicIp`, `encryptionConfigurations.0.kmsKey`). */
export function valueAt(inputs: unknown, path: string): unknown {
  let value = inputs;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_PLACEHOLDER;
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** `name (type)` for messages. */
export function describe(resource: PlanResource): string {
  return `${resource.name} (${resource.type})`;
}

/** Collects the violations of one rule, each message starting with the resource it is about. */
export class ViolationList {
  readonly violations: Violation[] = [];
  constructor(private readonly rule: string) {}
  report(resource: PlanResource, message: string): void {
    this.violations.push({
      rule: this.rule,
      urn: resource.urn,
      message: `${describe(resource)} ${message}.`,
    });
  }
}
