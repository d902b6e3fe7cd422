import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { PlanResource } from "../plan/types.js";
import { asRecord, type ResourceGraph, type Rule, ViolationList } from "./graph.js";

export const REQUIRED_TAGS = ["Project", "Environment", "ManagedBy", "Stack"] as const;

const awsPackageDir = dirname(createRequire(import.meta.url).resolve("@pulumi/aws/package.json"));
const taggableCache = new Map<string, boolean>();

/**
 * Whether a type accepts `tags`, read from the installed @pulumi/aws itself (its resource constructor
 * copies `args.tags` into the inputs), so the answer follows the provider version and needs no list
 * kept by hand. `aws:ecs/cluster:Cluster` lives in `ecs/cluster.js`.
 */
export function isTaggable(type: string): boolean {
  const cached = taggableCache.get(type);
  if (cached !== undefined) return cached;
  const match = /^aws:([^/]+)\/([^:]+):/.exec(type);
  const file = match
    ? join(awsPackageDir, match[1] === "index" ? "" : (match[1] as string), `${match[2]}.js`)
    : undefined;
  const taggable =
    file !== undefined &&
    existsSync(file) &&
    readFileSync(file, "utf8").includes('resourceInputs["tags"] = args?.tags');
  taggableCache.set(type, taggable);
  return taggable;
}

/** Provider settings reach the provider as JSON text (the SDK serializes every non-string provider input). */
function providerSetting(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Tags as AWS will see them: the resource's own, `tagsAll`, and its explicit provider's `defaultTags`. */
function effectiveTags(graph: ResourceGraph, resource: PlanResource): Record<string, unknown> {
  const provider = resource.provider === null ? undefined : graph.get(resource.provider);
  return {
    ...asRecord(asRecord(providerSetting(provider?.inputs["defaultTags"]))["tags"]),
    ...asRecord(resource.inputs["tagsAll"]),
    ...asRecord(resource.inputs["tags"]),
  };
}

export const requiredTags: Rule = {
  name: "required-tags",
  description:
    "Every taggable AWS resource carries Project, Environment, ManagedBy and Stack tags; Environment is the stack's " +
    "environmentSuffix and Stack is the stack name.",
  check(graph, context) {
    const found = new ViolationList("required-tags");
    for (const resource of graph.resources.filter(
      (candidate) => candidate.custom && isTaggable(candidate.type),
    )) {
      const tags = effectiveTags(graph, resource);
      const missing = REQUIRED_TAGS.filter((tag) => typeof tags[tag] !== "string" || tags[tag] === "");
      if (missing.length > 0) found.report(resource, `lacks the tag(s) ${missing.join(", ")}`);
      if (tags["Environment"] !== undefined && tags["Environment"] !== context.environmentSuffix) {
        found.report(
          resource,
          `has Environment "${String(tags["Environment"])}", expected "${context.environmentSuffix}"`,
        );
      }
      if (tags["Stack"] !== undefined && tags["Stack"] !== context.stack) {
        found.report(resource, `has Stack "${String(tags["Stack"])}", expected "${context.stack}"`);
      }
    }
    return found.violations;
  },
};
