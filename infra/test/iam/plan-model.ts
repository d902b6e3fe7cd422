/**
 * The IAM-relevant view of one stack's offline plan: every principal's policies, every resource policy,
 * and the ARN of every resource — recomputed by the same mock provider that planned it, so an ARN here
 * is byte for byte what the program put into its policies.
 */
import { inventResource, PLAN_ACCOUNT_ID } from "../../src/plan/invent.js";
import type { Plan, PlanResource } from "../../src/plan/types.js";
import { AWS_MANAGED_POLICIES } from "./managed-policies.js";
import type { NamedPolicy } from "./simulator.js";

export interface RoleModel {
  readonly resource: PlanResource;
  readonly arn: string;
  readonly name: string;
  readonly trust: unknown;
  readonly policies: readonly NamedPolicy[];
}

export interface PlanModel {
  readonly plan: Plan;
  readonly region: string;
  readonly account: string;
  readonly roles: readonly RoleModel[];
  /** Every policy document of the plan, named by where it is (for the action-existence check). */
  readonly documents: readonly NamedPolicy[];
  ofType(type: string): PlanResource[];
  /** The single resource of a type (optionally whose logical name matches); throws otherwise. */
  one(type: string, name?: RegExp): PlanResource;
  /** What the provider answered for the resource (arn, ids, endpoints …). */
  state(resource: PlanResource): Record<string, unknown>;
  arn(resource: PlanResource): string;
  role(arn: string): RoleModel;
  /** The key policy of the stack key that `keyReference` (key ARN, key id, alias name or ARN) names. */
  keyPolicy(keyReference: string): { arn: string; policy: unknown };
  /** The resource policy attached to a resource ARN in the plan, if any. */
  resourcePolicy(arn: string): unknown;
}

function parse(where: string, value: unknown): unknown {
  if (typeof value !== "string") throw new Error(`${where}: policy is not a JSON string (${typeof value})`);
  return JSON.parse(value);
}

/** Resource policies by the input that names what they protect. */
const RESOURCE_POLICY_TYPES: Readonly<Record<string, { target: string; policy: string }>> = {
  "aws:s3/bucketPolicy:BucketPolicy": { target: "bucket", policy: "policy" },
  "aws:secretsmanager/secretPolicy:SecretPolicy": { target: "secretArn", policy: "policy" },
  "aws:kinesis/resourcePolicy:ResourcePolicy": { target: "resourceArn", policy: "policy" },
  "aws:sns/topicPolicy:TopicPolicy": { target: "arn", policy: "policy" },
  "aws:ecr/repositoryPolicy:RepositoryPolicy": { target: "repository", policy: "policy" },
};

export function planModel(plan: Plan, region: string): PlanModel {
  const custom = plan.resources.filter((resource) => resource.custom);
  const states = new Map<string, Record<string, unknown>>();
  const state = (resource: PlanResource) => {
    let known = states.get(resource.urn);
    if (known === undefined) {
      known = inventResource(resource.type, resource.name, { ...resource.inputs }, region).state;
      states.set(resource.urn, known);
    }
    return known;
  };
  const arn = (resource: PlanResource) => String(state(resource)["arn"]);
  const ofType = (type: string) => custom.filter((resource) => resource.type === type);
  const documents: NamedPolicy[] = [];

  const policyOf = (policyArn: string): unknown => {
    const managed = AWS_MANAGED_POLICIES[policyArn];
    if (managed !== undefined) return managed;
    const customer = ofType("aws:iam/policy:Policy").find((policy) => arn(policy) === policyArn);
    if (customer === undefined) {
      throw new Error(`policy ${policyArn} is neither in the plan nor in test/iam/managed-policies.ts`);
    }
    return parse(customer.urn, customer.inputs["policy"]);
  };
  const attachedTo = (role: PlanResource, attachment: PlanResource) =>
    attachment.propertyDependencies["role"]?.includes(role.urn) ??
    attachment.inputs["role"] === state(role)["name"];

  const roles: RoleModel[] = ofType("aws:iam/role:Role").map((role) => {
    const name = String(state(role)["name"]);
    const policies: NamedPolicy[] = [];
    for (const inline of ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => attachedTo(role, p))) {
      policies.push({ name: inline.name, document: parse(inline.urn, inline.inputs["policy"]) });
    }
    for (const inline of (role.inputs["inlinePolicies"] as { name: string; policy: string }[]) ?? []) {
      policies.push({ name: inline.name, document: parse(`${role.urn} ${inline.name}`, inline.policy) });
    }
    const attached = ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((attachment) => attachedTo(role, attachment))
      .map((attachment) => String(attachment.inputs["policyArn"]));
    for (const policyArn of [...attached, ...((role.inputs["managedPolicyArns"] as string[]) ?? [])]) {
      policies.push({ name: policyArn, document: policyOf(policyArn) });
    }
    const trust = parse(`${role.urn} assumeRolePolicy`, role.inputs["assumeRolePolicy"]);
    documents.push({ name: `${name} trust policy`, document: trust });
    for (const policy of policies)
      documents.push({ name: `${name}: ${policy.name}`, document: policy.document });
    return { resource: role, arn: arn(role), name, trust, policies };
  });
  for (const policy of ofType("aws:iam/policy:Policy")) {
    documents.push({ name: policy.name, document: parse(policy.urn, policy.inputs["policy"]) });
  }

  const keys = ofType("aws:kms/key:Key").map((key) => ({
    key,
    arn: arn(key),
    id: String(state(key)["keyId"]),
    policy: parse(`${key.urn} policy`, key.inputs["policy"]),
  }));
  for (const key of keys) documents.push({ name: `${key.key.name} key policy`, document: key.policy });
  const aliases = ofType("aws:kms/alias:Alias").map((alias) => ({
    names: [String(alias.inputs["name"]), arn(alias)],
    target: String(alias.inputs["targetKeyId"]),
  }));

  const resourcePolicies = new Map<string, unknown>();
  for (const [type, fields] of Object.entries(RESOURCE_POLICY_TYPES)) {
    for (const resource of ofType(type)) {
      const target = String(resource.inputs[fields.target]);
      const document = parse(resource.urn, resource.inputs[fields.policy]);
      // A bucket policy names its bucket; the request names the bucket's ARN.
      resourcePolicies.set(type.startsWith("aws:s3/") ? `arn:aws:s3:::${target}` : target, document);
      documents.push({ name: `${resource.name} resource policy`, document });
    }
  }

  return {
    plan,
    region,
    account: PLAN_ACCOUNT_ID,
    roles,
    documents,
    ofType,
    one(type, name) {
      const found = ofType(type).filter((resource) => name === undefined || name.test(resource.name));
      if (found.length !== 1) {
        throw new Error(
          `expected one ${type}${name ? ` named ${name}` : ""} in the plan, found ${found.length}`,
        );
      }
      return found[0]!;
    },
    state,
    arn,
    role(roleArn) {
      const found = roles.find((role) => role.arn === roleArn);
      if (found === undefined) throw new Error(`no role ${roleArn} in the plan`);
      return found;
    },
    keyPolicy(reference) {
      const target = aliases.find((alias) => alias.names.includes(reference))?.target ?? reference;
      const key = keys.find((candidate) => candidate.arn === target || candidate.id === target);
      if (key === undefined) throw new Error(`${reference} is not a key of this stack`);
      return { arn: key.arn, policy: key.policy };
    },
    resourcePolicy(resourceArn) {
      const base = [...resourcePolicies.keys()].find(
        (target) => resourceArn === target || resourceArn.startsWith(`${target}/`),
      );
      return base === undefined ? undefined : resourcePolicies.get(base);
    },
  };
}
