/**
 * Calls that must stay denied: what least privilege means for this stack, stated as requests. Each is
 * one a mistake would plausibly allow (a widened resource list, a lost condition, a shared role).
 */
import type { Call } from "./allowed-calls.js";
import { elbLogDelivery } from "./delivery-calls.js";
import { DEPLOYER_POLICY, deployerArn } from "./deployment-calls.js";
import type { PlanModel } from "./plan-model.js";
import { databaseOf, secretsOf, workload } from "./workload.js";

/** An account that is not the stack's (AWS's second documentation example). */
const OTHER_ACCOUNT = "210987654321";

/** The same name in another environment: `fastcart-jwt-secret-dev` → `fastcart-jwt-secret-other`. */
function otherEnvironment(arn: string, environment: string): string {
  return arn.replace(new RegExp(`-${environment}(?=[-/]|$)`), "-other");
}

export function deniedCallsOf(model: PlanModel, environment: string): Call[] {
  const { region, account } = model;
  const load = workload(model);
  const calls: Call[] = [];
  const key = model.keyPolicy(model.arn(model.one("aws:kms/key:Key")));
  const taskRole = load.app.taskRole!;
  const serviceExecution = load.app.executionRole;
  const secrets = secretsOf(model);

  for (const master of secrets.filter((secret) => secret.master)) {
    for (const role of model.roles.filter((candidate) => candidate.arn !== load.migrate.executionRole.arn)) {
      calls.push({
        label: `${role.name} cannot read the database master secret (only the migrate execution role can)`,
        request: { principal: role.arn, action: "secretsmanager:GetSecretValue", resource: master.arn },
        policies: { identity: role.policies, resource: model.resourcePolicy(master.arn) },
      });
    }
  }
  for (const secret of secrets.filter((candidate) => !candidate.master)) {
    const elsewhere = otherEnvironment(secret.arn, environment);
    calls.push({
      label: `${serviceExecution.name} cannot read another environment's secret ${elsewhere.split(":").at(-1)}`,
      request: {
        principal: serviceExecution.arn,
        action: "secretsmanager:GetSecretValue",
        resource: elsewhere,
      },
      policies: { identity: serviceExecution.policies },
    });
  }
  for (const role of model.roles) {
    for (const action of ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"]) {
      calls.push({
        label: `${role.name} cannot ${action} the stack key`,
        request: { principal: role.arn, action, resource: key.arn },
        policies: { identity: role.policies, resource: key.policy },
      });
    }
  }
  calls.push({
    label: `${serviceExecution.name} cannot use the key directly, outside Secrets Manager`,
    request: {
      principal: serviceExecution.arn,
      action: "kms:Decrypt",
      resource: key.arn,
      context: { "kms:CallerAccount": account },
    },
    policies: { identity: serviceExecution.policies, resource: key.policy },
  });
  calls.push({
    label: "not even an administrator of the account can decrypt with the stack key outside its services",
    request: {
      principal: deployerArn(account),
      action: "kms:Decrypt",
      resource: key.arn,
      context: { "kms:CallerAccount": account },
    },
    policies: { identity: [DEPLOYER_POLICY], resource: key.policy },
  });
  calls.push({
    label: `another account cannot decrypt with the stack key, even through Secrets Manager`,
    request: {
      principal: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
      action: "kms:Decrypt",
      resource: key.arn,
      context: {
        "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
        "kms:CallerAccount": OTHER_ACCOUNT,
      },
    },
    policies: {
      identity: [
        {
          name: "admin",
          document: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }],
          },
        },
      ],
      resource: key.policy,
    },
  });
  calls.push({
    label: "CloudWatch Logs cannot use the key for a log group that is not the stack's",
    request: {
      principal: `logs.${region}.amazonaws.com`,
      action: "kms:GenerateDataKey",
      resource: key.arn,
      context: {
        "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/not-ours`,
      },
    },
    policies: { identity: [], resource: key.policy },
  });
  for (const role of [serviceExecution, taskRole, load.migrate.executionRole]) {
    calls.push({
      label: `ecs-tasks.amazonaws.com cannot assume ${role.name} for a task of another account`,
      request: {
        principal: "ecs-tasks.amazonaws.com",
        action: "sts:AssumeRole",
        resource: role.arn,
        context: { "aws:SourceAccount": OTHER_ACCOUNT },
      },
      policies: { identity: [], resource: role.trust },
    });
  }

  const database = databaseOf(model);
  const user = load.app.containers[0]?.environment["DB_USER"] ?? "app";
  // The master user, and RDS's own administrative user: the application user is the only one.
  for (const other of [database.masterUser, "rdsadmin"]) {
    calls.push({
      label: `task role cannot connect as ${other === database.masterUser ? "the master user " : ""}${other}`,
      request: {
        principal: taskRole.arn,
        action: "rds-db:connect",
        resource: `arn:aws:rds-db:${region}:${account}:dbuser:${database.resourceId}/${other}`,
      },
      policies: { identity: taskRole.policies },
    });
  }
  calls.push({
    label: `task role cannot connect as ${user} to another database`,
    request: {
      principal: taskRole.arn,
      action: "rds-db:connect",
      resource: `arn:aws:rds-db:${region}:${account}:dbuser:db-ANOTHERDATABASE0000000000/${user}`,
    },
    policies: { identity: taskRole.policies },
  });

  const streams = model.ofType("aws:kinesis/stream:Stream");
  for (const stream of streams) {
    const streamArn = model.arn(stream);
    for (const action of ["kinesis:DeleteStream", "kinesis:StopStreamEncryption"]) {
      calls.push({
        label: `task role cannot ${action} the order stream`,
        request: { principal: taskRole.arn, action, resource: streamArn },
        policies: { identity: taskRole.policies, resource: model.resourcePolicy(streamArn) },
      });
    }
    calls.push({
      label: "task role cannot write to another environment's stream",
      request: {
        principal: taskRole.arn,
        action: "kinesis:PutRecords",
        resource: otherEnvironment(streamArn, environment),
      },
      policies: { identity: taskRole.policies },
    });
  }

  if (load.blueGreen !== undefined) {
    const balancer = model.one("aws:lb/loadBalancer:LoadBalancer");
    for (const action of [
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
    ]) {
      calls.push({
        label: `ECS infrastructure role cannot ${action}`,
        request: { principal: load.blueGreen.role.arn, action, resource: model.arn(balancer) },
        policies: { identity: load.blueGreen.role.policies },
      });
    }
  }
  for (const flowLog of model.ofType("aws:ec2/flowLog:FlowLog")) {
    const role = model.role(String(flowLog.inputs["iamRoleArn"]));
    const appGroup = load.app.containers[0]?.logGroup;
    calls.push({
      label: `flow log delivery role cannot write into the application's log group ${appGroup}`,
      request: {
        principal: role.arn,
        action: "logs:PutLogEvents",
        resource: `arn:aws:logs:${region}:${account}:log-group:${appGroup}:log-stream:forged`,
      },
      policies: { identity: role.policies },
    });
  }
  for (const balancer of model.ofType("aws:lb/loadBalancer:LoadBalancer")) {
    const accessLogs = balancer.inputs["accessLogs"] as
      | { bucket: string; prefix?: string; enabled?: boolean }
      | undefined;
    if (accessLogs === undefined || accessLogs.enabled === false) continue;
    const delivery = elbLogDelivery(model, accessLogs.bucket);
    const bucketPolicy = model.resourcePolicy(`arn:aws:s3:::${accessLogs.bucket}`);
    calls.push({
      label: "ALB log delivery cannot write outside the access log prefix",
      request: {
        principal: delivery.principal,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${accessLogs.bucket}/elsewhere/object`,
        context: { "aws:SecureTransport": "true" },
      },
      policies: { identity: delivery.identity, resource: bucketPolicy },
    });
    calls.push({
      label: "the access log bucket refuses plain HTTP",
      request: {
        principal: delivery.principal,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${accessLogs.bucket}/${accessLogs.prefix ? `${accessLogs.prefix}/` : ""}AWSLogs/${account}/x`,
        context: { "aws:SecureTransport": "false" },
      },
      policies: { identity: delivery.identity, resource: bucketPolicy },
    });
  }
  return calls;
}
