import { asRecord, type Rule, ViolationList } from "./graph.js";

/**
 * Inputs that become a resource's physical (AWS-side) name, across @pulumi/aws types. Names that are
 * not physical (`dbName` inside an instance, metric names) are deliberately absent.
 */
export const PHYSICAL_NAME_INPUTS = [
  "name",
  "namePrefix",
  "identifier",
  "identifierPrefix",
  "clusterIdentifier",
  "replicationGroupId",
  "bucket",
  "bucketPrefix",
  "functionName",
  "dashboardName",
  "alarmName",
] as const;

/**
 * Inputs that are a physical name only for some types: a task definition's `family` is its name, while
 * a parameter group's `family` is the engine family (`postgres15`).
 */
export const TYPE_PHYSICAL_NAME_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "aws:ecs/taskDefinition:TaskDefinition": ["family"],
};

/**
 * Inputs that look like a name but are not one AWS gives the resource: a Route 53 record's `name` is
 * the DNS name the team chose for its API (and ACM's validation label), not a resource name.
 */
export const TYPE_NON_PHYSICAL_NAME_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "aws:route53/record:Record": ["name"],
};

/** True when `suffix` appears as a whole segment: `fastcart-rds-dev`, `/fastcart/dev/x`, `alias/fastcart-kms-dev`. */
export function carriesSuffix(name: string, suffix: string): boolean {
  const escaped = suffix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9])${escaped}($|[^A-Za-z0-9])`).test(name);
}

export const namesCarrySuffix: Rule = {
  name: "names-carry-environment-suffix",
  description:
    "Every physical name of an AWS resource (name, identifier, family, … and the Name tag) carries the stack's " +
    "environmentSuffix; a resource without an explicit name is auto-named from its logical name, which must carry it then.",
  check(graph, context) {
    const found = new ViolationList("names-carry-environment-suffix");
    const suffix = context.environmentSuffix;
    for (const resource of graph.resources.filter(
      (candidate) => candidate.custom && candidate.type.startsWith("aws:"),
    )) {
      const notNames = TYPE_NON_PHYSICAL_NAME_INPUTS[resource.type] ?? [];
      const explicit = [...PHYSICAL_NAME_INPUTS, ...(TYPE_PHYSICAL_NAME_INPUTS[resource.type] ?? [])].filter(
        (key) => typeof resource.inputs[key] === "string" && !notNames.includes(key),
      );
      for (const key of explicit) {
        const name = resource.inputs[key] as string;
        if (!carriesSuffix(name, suffix))
          found.report(resource, `has ${key} "${name}" without the environment suffix "${suffix}"`);
      }
      const nameTag = asRecord(resource.inputs["tags"])["Name"];
      if (typeof nameTag === "string" && !carriesSuffix(nameTag, suffix)) {
        found.report(resource, `has the Name tag "${nameTag}" without the environment suffix "${suffix}"`);
      }
      if (explicit.length === 0 && !carriesSuffix(resource.name, suffix)) {
        found.report(
          resource,
          `sets no explicit name and its logical name lacks the environment suffix "${suffix}" (auto-names derive from it)`,
        );
      }
    }
    return found.violations;
  },
};
