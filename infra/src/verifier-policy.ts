/**
 * The IAM permissions `npm run verify` needs, as one identity policy document, scoped to this stack's
 * names wherever the action supports resource-level permissions. Everything is a read of metadata
 * (Describe/Get/List; secrets are described, never read) except the statement for the one-off smoke
 * task, present only for stacks without a public endpoint: ECS RunTask on the stack's own task
 * definition in its own cluster, and passing the task's two roles to ECS.
 *
 * With `createVerifierPolicy: true` the program creates it as a managed policy, for the CI role that
 * runs the verifier to attach; `npm run verify -- --stack <stack> --print-policy` prints it.
 * Actions, resource types and condition keys: the Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 * (GetCallerIdentity needs no permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "./naming.js";

export interface VerifierScope {
  readonly naming: Naming;
  readonly region: string;
  readonly accountId: string;
  /** No internet-facing ALB: the smoke suite runs as a one-off ECS task, which needs RunTask. */
  readonly smokeTask: boolean;
}

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function verifierPolicyDocument(scope: VerifierScope): { Version: string; Statement: Statement[] } {
  const { naming, region, accountId: account } = scope;
  const env = naming.environmentSuffix;
  /** Every name this stack gives its resources: `fastcart-<what>-<env>`. */
  const named = `fastcart-*-${env}`;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
  const cluster = resourceName(naming, "cluster");
  const clusterArn = arn("ecs", `cluster/${cluster}`);
  const statements: Statement[] = [
    {
      // EC2 and ELB Describe calls have no resource-level permissions.
      Sid: "DescribeNetworkAndLoadBalancers",
      Effect: "Allow",
      Action: [
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeSubnets",
        "ec2:DescribeNatGateways",
        "ec2:DescribeFlowLogs",
        "ec2:DescribeSecurityGroups",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "ecs:DescribeTaskDefinition",
      ],
      Resource: "*",
    },
    {
      Sid: "ListServiceTasks",
      Effect: "Allow",
      Action: ["ecs:ListTasks"],
      Resource: "*",
      Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
    },
    {
      Sid: "DescribeService",
      Effect: "Allow",
      Action: ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTasks"],
      Resource: [clusterArn, arn("ecs", `service/${cluster}/*`), arn("ecs", `task/${cluster}/*`)],
    },
    {
      // The key is found by its alias; kms:ResourceAliases scopes the grant to the key behind it.
      Sid: "DescribeStackKey",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:GetKeyRotationStatus"],
      Resource: arn("kms", "key/*"),
      Condition: {
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": `alias/${resourceName(naming, "kms")}` },
      },
    },
    {
      Sid: "DescribeDataStores",
      Effect: "Allow",
      Action: [
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
        "elasticache:DescribeReplicationGroups",
        "kinesis:DescribeStreamSummary",
      ],
      Resource: [
        arn("rds", `db:${named}`),
        arn("rds", `cluster:${named}`),
        arn("elasticache", `replicationgroup:${named}`),
        arn("kinesis", `stream/${named}`),
      ],
    },
    {
      // Metadata only (rotation, key): never GetSecretValue. RDS names the secrets it manages rds!….
      Sid: "DescribeSecretsAndParameters",
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret", "ssm:GetParameters"],
      Resource: [
        arn("secretsmanager", `secret:${named}-*`),
        arn("secretsmanager", "secret:rds!*"),
        arn("ssm", `parameter/fastcart/${env}/*`),
      ],
    },
    {
      Sid: "DescribeRegistryAndLogs",
      Effect: "Allow",
      Action: ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "logs:DescribeLogGroups"],
      Resource: [arn("ecr", `repository/${named}`), arn("logs", "log-group:*")],
    },
    {
      Sid: "DescribeEdgeAndMonitoring",
      Effect: "Allow",
      Action: [
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:GetDashboard",
      ],
      Resource: [
        arn("wafv2", `regional/webacl/${named}/*`),
        arn("elasticloadbalancing", `loadbalancer/app/${named}/*`),
        arn("cloudwatch", `alarm:${named}`),
        `arn:aws:cloudwatch::${account}:dashboard/${named}`,
      ],
    },
  ];
  if (scope.smokeTask) {
    statements.push(
      {
        Sid: "RunSmokeTask",
        Effect: "Allow",
        Action: ["ecs:RunTask"],
        Resource: arn("ecs", `task-definition/${resourceName(naming, "orders")}:*`),
        Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
      },
      {
        Sid: "PassSmokeTaskRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: ["task-role", "task-execution-role"].map(
          (role) => `arn:aws:iam::${account}:role/${resourceName(naming, role)}`,
        ),
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** The managed policy a CI role attaches to run `npm run verify` against this stack. */
export function createVerifierPolicy(
  scope: Omit<VerifierScope, "accountId"> & { readonly accountId: pulumi.Input<string> },
  opts?: pulumi.CustomResourceOptions,
): aws.iam.Policy {
  const name = resourceName(scope.naming, "verifier");
  return new aws.iam.Policy(
    name,
    {
      name,
      description:
        "Read-only permissions of npm run verify (and RunTask for its smoke task where the stack has no public endpoint)",
      policy: pulumi
        .output(scope.accountId)
        .apply((accountId) => JSON.stringify(verifierPolicyDocument({ ...scope, accountId }))),
      tags: resourceTags(scope.naming, name),
    },
    opts,
  );
}
