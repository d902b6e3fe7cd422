import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** Kinesis actions the API (PutRecords) and the workers (shard discovery and reads) need. */
export const KINESIS_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:ListShards",
  "kinesis:GetShardIterator",
  "kinesis:GetRecords",
  "kinesis:PutRecord",
  "kinesis:PutRecords",
] as const;

/** What an execution role lets the ECS agent do before a task's containers start. */
export interface ExecutionAccess {
  /** ECR repository the image is pulled from. */
  readonly ecrRepositoryArn: pulumi.Input<string>;
  /** Log group the containers write to. */
  readonly logGroupArn: pulumi.Input<string>;
  /** Secrets Manager secrets ECS injects (exactly the ones in the task's container `secrets`). */
  readonly secretArns: pulumi.Input<string>[];
  /** SSM parameters ECS injects. */
  readonly parameterArns: pulumi.Input<string>[];
}

export interface RolesArgs {
  readonly naming: Naming;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Customer-managed key of the secrets and the stream. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The api/worker task definition's injected values. */
  readonly service: ExecutionAccess;
  /** The migrate task definition's injected values: the only ones that include the master secret. */
  readonly migrate: ExecutionAccess;
  /** Kinesis stream the task role reads and writes (stream mode); absent: no stream statements. */
  readonly streamArn: pulumi.Input<string> | undefined;
  /** The database user the task role may connect as with IAM database authentication. */
  readonly databaseUser: {
    /** DbiResourceId of the RDS instance, or the Aurora cluster's ClusterResourceId. */
    readonly resourceId: pulumi.Input<string>;
    readonly name: string;
  };
}

export interface RolesParts {
  readonly executionRole: aws.iam.Role;
  readonly executionRolePolicy: aws.iam.RolePolicy;
  readonly taskRole: aws.iam.Role;
  readonly taskRolePolicy: aws.iam.RolePolicy;
  readonly migrateExecutionRole: aws.iam.Role;
  readonly migrateExecutionRolePolicy: aws.iam.RolePolicy;
}

const ecsTasksTrust = (accountId: pulumi.Input<string>) =>
  pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });

/**
 * `arn:aws:rds-db:<region>:<account>:dbuser:<resource id>/<user>`: the resource of `rds-db:connect`
 * (Service Authorization Reference, "Actions, resources, and condition keys for Amazon RDS IAM
 * Authentication", https://docs.aws.amazon.com/service-authorization/latest/reference/list_rds-db.html;
 * for Aurora the resource id is the cluster's, `cluster-…`).
 */
export function databaseUserArn(
  region: string,
  accountId: pulumi.Input<string>,
  resourceId: pulumi.Input<string>,
  user: string,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:rds-db:${region}:${accountId}:dbuser:${resourceId}/${user}`;
}

function executionStatements(access: ExecutionAccess, kmsKeyArn: pulumi.Input<string>, region: string) {
  const statements: unknown[] = [
    // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
    { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "EcrPull",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
      Resource: [access.ecrRepositoryArn],
    },
    {
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [pulumi.interpolate`${access.logGroupArn}:log-stream:*`],
    },
  ];
  if (access.secretArns.length > 0) {
    statements.push(
      {
        Sid: "ReadInjectedSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: access.secretArns,
      },
      {
        Sid: "DecryptInjectedSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [kmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
      },
    );
  }
  if (access.parameterArns.length > 0) {
    statements.push({
      Sid: "ReadAppConfigParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameters"],
      Resource: access.parameterArns,
    });
  }
  return statements;
}

/**
 * The tasks' IAM roles. Two execution roles, so that only `migrate` can read the RDS-managed master
 * secret: the api/worker execution role reads the JWT secret (and the Redis token), the migrate one the
 * master secret. The task role is what the service code calls AWS with: the stream (stream mode) and
 * `rds-db:connect` as the application database user — the API and workers hold no database password.
 * Metrics go out as EMF on stdout (no API call). `migrate` has no task role: it calls no AWS API.
 */
export function createRoles(args: RolesArgs, parent: pulumi.Resource): RolesParts {
  const { naming, region, accountId, kmsKeyArn } = args;
  const role = (name: string) =>
    new aws.iam.Role(
      name,
      { name, assumeRolePolicy: ecsTasksTrust(accountId), tags: resourceTags(naming, name) },
      { parent },
    );
  const policy = (name: string, roleOf: aws.iam.Role, statements: unknown[]) =>
    new aws.iam.RolePolicy(
      name,
      { role: roleOf.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
      { parent },
    );

  const executionRoleName = resourceName(naming, "task-execution-role");
  const executionRole = role(executionRoleName);
  const executionRolePolicy = policy(
    executionRoleName,
    executionRole,
    executionStatements(args.service, kmsKeyArn, region),
  );

  const migrateRoleName = resourceName(naming, "migrate-execution-role");
  const migrateExecutionRole = role(migrateRoleName);
  const migrateExecutionRolePolicy = policy(
    migrateRoleName,
    migrateExecutionRole,
    executionStatements(args.migrate, kmsKeyArn, region),
  );

  const taskRoleName = resourceName(naming, "task-role");
  const taskRole = role(taskRoleName);
  const taskStatements: unknown[] = [
    {
      Sid: "ConnectAsApplicationUser",
      Effect: "Allow",
      Action: ["rds-db:connect"],
      Resource: [databaseUserArn(region, accountId, args.databaseUser.resourceId, args.databaseUser.name)],
    },
  ];
  if (args.streamArn !== undefined) {
    taskStatements.push(
      { Sid: "OrderStream", Effect: "Allow", Action: [...KINESIS_ACTIONS], Resource: [args.streamArn] },
      {
        Sid: "OrderStreamEncryption",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [kmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `kinesis.${region}.amazonaws.com` } },
      },
    );
  }
  const taskRolePolicy = policy(taskRoleName, taskRole, taskStatements);

  return {
    executionRole,
    executionRolePolicy,
    taskRole,
    taskRolePolicy,
    migrateExecutionRole,
    migrateExecutionRolePolicy,
  };
}
