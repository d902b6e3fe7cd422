import type { PlanResource } from "../plan/types.js";
import { asArray, asRecord, isUnknown, type ResourceGraph, type Rule, ViolationList } from "./graph.js";

/**
 * Actions that AWS does not let a policy scope to a resource ARN, so `Resource: "*"` is the only way to
 * grant them. Each entry says why; some also demand a condition key that narrows them instead.
 * Source: the Service Authorization Reference ("Resource types" column empty for these actions).
 */
export const RESOURCE_WILDCARD_ACTIONS: Readonly<
  Record<string, { readonly reason: string; readonly requiredConditionKeys?: readonly string[] }>
> = {
  "ecr:getauthorizationtoken": {
    reason:
      "returns a registry-wide login token (docker login); ECR has no resource type for it — pulls are then scoped per repository",
  },
  "cloudwatch:putmetricdata": {
    reason:
      "CloudWatch metrics have no ARN; the cloudwatch:namespace condition limits which namespace may be written",
    requiredConditionKeys: ["cloudwatch:namespace"],
  },
  "ssm:describeparameters": {
    reason: "a list call with no resource type; reading values stays scoped by ARN",
  },
  "secretsmanager:getrandompassword": {
    reason: "generates a password without touching any secret, so there is no resource",
  },
  "xray:puttracesegments": { reason: "X-Ray traces have no resource type" },
  "xray:puttelemetryrecords": { reason: "X-Ray telemetry has no resource type" },
  "ec2:describenetworkinterfaces": { reason: "EC2 Describe calls have no resource-level permissions" },
  "logs:describeloggroups": {
    reason:
      "a list call with no resource type; part of the minimum AWS documents for the VPC flow logs role (writes stay scoped to the flow log group)",
  },
  "elasticloadbalancing:describetargetgroups": {
    reason: "ELB Describe calls have no resource-level permissions",
  },
  "elasticloadbalancing:describelisteners": {
    reason: "ELB Describe calls have no resource-level permissions",
  },
  "elasticloadbalancing:describerules": { reason: "ELB Describe calls have no resource-level permissions" },
  "elasticloadbalancing:describetargethealth": {
    reason: "ELB Describe calls have no resource-level permissions",
  },
};

/**
 * AWS-managed policies that may be attached, with why a hand-written policy would not be better.
 * Anything else AWS-managed is refused: those policies grant on `*` and change without review.
 */
export const ALLOWED_AWS_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers":
    "the policy AWS documents for ECS native blue/green: ECS itself (not the task) uses it to shift listener rules, and AWS updates it as the deployment controller needs new calls",
  "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole":
    "RDS Enhanced Monitoring's own role: it only writes the RDSOSMetrics log group",
};

/** Identity policies: what a principal of this stack may do. */
const IDENTITY_POLICY_TYPES = [
  "aws:iam/policy:Policy",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
];

/** Resource policies: who may use a resource. Checked for anonymous principals only. */
const RESOURCE_POLICY_TYPES = [
  "aws:kms/key:Key",
  "aws:kms/keyPolicy:KeyPolicy",
  "aws:ecr/repositoryPolicy:RepositoryPolicy",
  "aws:secretsmanager/secretPolicy:SecretPolicy",
  "aws:sns/topic:Topic",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sqs/queuePolicy:QueuePolicy",
  "aws:s3/bucketPolicy:BucketPolicy",
];

interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** The statements of a policy document given as JSON text or as an object; "invalid" if unreadable. */
function statementsOf(document: unknown): Statement[] | "invalid" | "unknown" {
  if (isUnknown(document)) return "unknown";
  let parsed = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      return "invalid";
    }
  }
  const statements = asRecord(parsed)["Statement"];
  if (statements === undefined) return "invalid";
  return asArray(statements).map((statement) => asRecord(statement) as Statement);
}

function strings(value: unknown): string[] {
  return asArray(value).map(String);
}

/** `*`, or an ARN whose resource part or account is `*`: every resource of a kind, not a named one. */
function isBroadResource(resource: string): boolean {
  if (resource === "*") return true;
  const parts = resource.split(":");
  return parts.length >= 6 && (parts[4] === "*" || parts.slice(5).join(":") === "*");
}

function conditionKeys(condition: unknown): string[] {
  return Object.values(asRecord(condition)).flatMap((operator) =>
    Object.keys(asRecord(operator)).map((key) => key.toLowerCase()),
  );
}

function label(statement: Statement, index: number): string {
  return statement.Sid ? `statement "${statement.Sid}"` : `statement ${index + 1}`;
}

function checkIdentityStatements(
  found: ViolationList,
  resource: PlanResource,
  where: string,
  document: unknown,
): void {
  const statements = statementsOf(document);
  if (statements === "unknown") return; // not known until apply (preview); the plan always knows it
  if (statements === "invalid") {
    found.report(resource, `${where} is not a readable IAM policy document`);
    return;
  }
  statements.forEach((statement, index) => {
    if (statement.Effect !== "Allow") return;
    const name = `${where} ${label(statement, index)}`;
    if (statement.NotAction !== undefined)
      found.report(resource, `${name} uses NotAction, which allows every other action`);
    if (statement.NotResource !== undefined)
      found.report(resource, `${name} uses NotResource, which allows every other resource`);
    const actions = strings(statement.Action);
    const wildcards = actions.filter((action) => action.includes("*"));
    if (wildcards.length > 0)
      found.report(resource, `${name} allows wildcard actions ${wildcards.join(", ")}; list each action`);
    const broad = strings(statement.Resource).filter(isBroadResource);
    if (broad.length === 0) return;
    const keys = conditionKeys(statement.Condition);
    const unjustified = actions.filter((action) => {
      const allowed = RESOURCE_WILDCARD_ACTIONS[action.toLowerCase()];
      return (
        allowed === undefined || !(allowed.requiredConditionKeys ?? []).every((key) => keys.includes(key))
      );
    });
    if (unjustified.length > 0) {
      found.report(
        resource,
        `${name} grants ${unjustified.join(", ")} on ${broad.join(", ")}; scope them to this stack's ARNs ` +
          "(only actions without resource-level permissions may use *, with their condition keys)",
      );
    }
  });
}

function isAnonymous(principal: unknown): boolean {
  if (principal === "*") return true;
  return strings(asRecord(principal)["AWS"]).includes("*");
}

function checkPrincipals(
  found: ViolationList,
  resource: PlanResource,
  where: string,
  document: unknown,
): void {
  const statements = statementsOf(document);
  if (!Array.isArray(statements)) return; // resource policies are validated by AWS; only the principal matters here
  statements.forEach((statement, index) => {
    if (
      statement.Effect === "Allow" &&
      isAnonymous(statement.Principal) &&
      statement.Condition === undefined
    ) {
      found.report(
        resource,
        `${where} ${label(statement, index)} allows any principal ("*") without a condition`,
      );
    }
  });
}

/** `arn:aws-us-gov:iam::aws:policy/X` → `arn:aws:iam::aws:policy/X`, so the allow-list is partition-free. */
function normalisePartition(arn: string): string {
  return arn.replace(/^arn:aws[a-z-]*:/, "arn:aws:");
}

function checkManagedPolicy(
  found: ViolationList,
  graph: ResourceGraph,
  resource: PlanResource,
  arn: string,
): void {
  if (!/^arn:aws[a-z-]*:iam::aws:policy\//.test(arn)) return; // customer-managed: its document is checked itself
  if (ALLOWED_AWS_MANAGED_POLICIES[normalisePartition(arn)] !== undefined) return;
  const role = graph.sourcesOf(resource, "role")[0];
  found.report(
    resource,
    `attaches the AWS-managed policy ${arn}${role ? ` to ${role.name}` : ""}, which grants on * and is not in the reviewed allow-list; ` +
      "write a policy scoped to this stack's resources",
  );
}

export const leastPrivilegeIam: Rule = {
  name: "iam-least-privilege",
  description:
    "IAM policies name every action (no wildcards, no NotAction) and use Resource * only for actions AWS cannot scope " +
    "(an explained allow-list); AWS-managed policies only from an explained allow-list; no resource or trust policy " +
    "admits any principal without a condition.",
  check(graph) {
    const found = new ViolationList("iam-least-privilege");
    for (const resource of graph.ofType(...IDENTITY_POLICY_TYPES)) {
      checkIdentityStatements(found, resource, "policy", resource.inputs["policy"]);
    }
    for (const role of graph.ofType("aws:iam/role:Role")) {
      asArray(role.inputs["inlinePolicies"]).forEach((inline, index) => {
        const policy = asRecord(inline);
        checkIdentityStatements(
          found,
          role,
          `inline policy ${String(policy["name"] ?? index + 1)}`,
          policy["policy"],
        );
      });
      checkPrincipals(found, role, "trust policy", role.inputs["assumeRolePolicy"]);
      for (const arn of strings(role.inputs["managedPolicyArns"]))
        checkManagedPolicy(found, graph, role, arn);
    }
    for (const attachment of graph.ofType(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:iam/policyAttachment:PolicyAttachment",
    )) {
      checkManagedPolicy(found, graph, attachment, String(attachment.inputs["policyArn"]));
    }
    for (const resource of graph.ofType(...RESOURCE_POLICY_TYPES)) {
      if (resource.inputs["policy"] !== undefined)
        checkPrincipals(found, resource, "resource policy", resource.inputs["policy"]);
    }
    return found.violations;
  },
};
