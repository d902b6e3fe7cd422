/**
 * Every AWS call the running system makes — the service code's own calls (task role) and what AWS
 * services do on the stack's behalf (ECS pulling and starting tasks, CloudWatch Logs encrypting,
 * ECS moving blue/green traffic, flow log and access log delivery) — each with the principal, resource
 * and request context AWS uses, and the policies that decide it.
 */
import { deliveryCallsOf } from "./delivery-calls.js";
import { deploymentCallsOf } from "./deployment-calls.js";
import type { PlanModel, RoleModel } from "./plan-model.js";
import type { AwsRequest, Context, PolicyInputs } from "./simulator.js";
import {
  type Container,
  databaseOf,
  secretArnOf,
  secretsOf,
  type TaskDefinition,
  workload,
} from "./workload.js";

export interface Call {
  /** Test name: who does what, and why. */
  readonly label: string;
  readonly request: AwsRequest;
  readonly policies: PolicyInputs;
}

/** A task id as ECS writes it into log stream names (`<prefix>/<container>/<task id>`). */
const TASK_ID = "0123456789abcdef0123456789abcdef";

export function callsOf(model: PlanModel): Call[] {
  const { region, account } = model;
  const load = workload(model);
  const calls: Call[] = [];
  const asRole = (role: RoleModel, resource?: unknown): PolicyInputs => ({
    identity: role.policies,
    ...(resource === undefined ? {} : { resource }),
  });
  const kms = (reference: string) => model.keyPolicy(reference);
  const callerContext = (service: string): Context => ({
    "kms:ViaService": `${service}.${region}.amazonaws.com`,
    "kms:CallerAccount": account,
  });
  const secrets = secretsOf(model);
  const taskSourceArn = `arn:aws:ecs:${region}:${account}:task/${load.clusterName}/${TASK_ID}`;

  const trust = (role: RoleModel, service: string, context: Context, why: string) =>
    calls.push({
      label: `${service} assumes ${role.name} (${why})`,
      request: { principal: service, action: "sts:AssumeRole", resource: role.arn, context },
      policies: { identity: [], resource: role.trust },
    });

  // ECS starting a task: the execution role pulls the image, creates log streams, reads what it injects.
  const execution = (definition: TaskDefinition) => {
    const role = definition.executionRole;
    const who = `${definition.family} execution role`;
    trust(
      role,
      "ecs-tasks.amazonaws.com",
      { "aws:SourceAccount": account, "aws:SourceArn": taskSourceArn },
      who,
    );
    calls.push({
      label: `${who}: ecr:GetAuthorizationToken (ECS logs in to ECR)`,
      request: { principal: role.arn, action: "ecr:GetAuthorizationToken", resource: "*" },
      policies: asRole(role),
    });
    for (const container of definition.containers) {
      pullImage(definition, container);
      writeLogs(definition, container);
      for (const [envName, valueFrom] of Object.entries(container.secrets))
        inject(definition, envName, valueFrom);
    }
  };
  const pullImage = (definition: TaskDefinition, container: Container) => {
    const repository = model
      .ofType("aws:ecr/repository:Repository")
      .find((candidate) => container.image.startsWith(`${model.state(candidate)["repositoryUrl"]}@`));
    if (repository === undefined) return; // an image from elsewhere (imageRepository): not this stack's IAM
    for (const action of [
      "ecr:BatchCheckLayerAvailability",
      "ecr:GetDownloadUrlForLayer",
      "ecr:BatchGetImage",
    ]) {
      calls.push({
        label: `${definition.family} execution role: ${action} on the stack's repository (pull the image)`,
        request: { principal: definition.executionRole.arn, action, resource: model.arn(repository) },
        policies: asRole(definition.executionRole, model.resourcePolicy(model.arn(repository))),
      });
    }
  };
  const writeLogs = (definition: TaskDefinition, container: Container) => {
    const group = model
      .ofType("aws:cloudwatch/logGroup:LogGroup")
      .find((candidate) => model.state(candidate)["name"] === container.logGroup);
    if (group === undefined)
      throw new Error(`${container.name} logs to ${container.logGroup}, not a group of the plan`);
    const stream = `${model.arn(group)}:log-stream:${container.logStreamPrefix}/${container.name}/${TASK_ID}`;
    for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
      calls.push({
        label: `${definition.family} execution role: ${action} for ${container.name} into ${container.logGroup}`,
        request: { principal: definition.executionRole.arn, action, resource: stream },
        policies: asRole(definition.executionRole),
      });
    }
  };
  const inject = (definition: TaskDefinition, envName: string, valueFrom: string) => {
    const role = definition.executionRole;
    const who = `${definition.family} execution role`;
    if (valueFrom.startsWith("arn:aws:ssm:")) {
      calls.push({
        label: `${who}: ssm:GetParameters ${envName}`,
        request: { principal: role.arn, action: "ssm:GetParameters", resource: valueFrom },
        policies: asRole(role),
      });
      const parameter = model
        .ofType("aws:ssm/parameter:Parameter")
        .find((candidate) => model.arn(candidate) === valueFrom);
      if (parameter?.inputs["type"] === "SecureString") {
        // Parameter Store decrypts a SecureString with its key on the caller's behalf.
        const key = kms(String(parameter.inputs["keyId"]));
        calls.push({
          label: `${who}: kms:Decrypt of ${envName} through Parameter Store`,
          request: {
            principal: role.arn,
            action: "kms:Decrypt",
            resource: key.arn,
            context: { ...callerContext("ssm"), "kms:EncryptionContext:PARAMETER_ARN": valueFrom },
          },
          policies: asRole(role, key.policy),
        });
      }
      return;
    }
    const secretArn = secretArnOf(valueFrom);
    const secret = secrets.find((candidate) => candidate.arn === secretArn);
    if (secret === undefined) throw new Error(`${envName} comes from ${secretArn}, not a secret of the plan`);
    calls.push({
      label: `${who}: secretsmanager:GetSecretValue ${envName}`,
      request: { principal: role.arn, action: "secretsmanager:GetSecretValue", resource: secretArn },
      policies: asRole(role, model.resourcePolicy(secretArn)),
    });
    const key = kms(secret.kmsKeyId);
    calls.push({
      label: `${who}: kms:Decrypt of ${envName} through Secrets Manager`,
      request: {
        principal: role.arn,
        action: "kms:Decrypt",
        resource: key.arn,
        context: { ...callerContext("secretsmanager"), "kms:EncryptionContext:SecretARN": secretArn },
      },
      policies: asRole(role, key.policy),
    });
  };
  execution(load.app);
  execution(load.migrate);

  // The service code's own calls, with the task role.
  const taskRole = load.app.taskRole;
  if (taskRole === undefined) throw new Error(`${load.app.family} has no task role`);
  trust(
    taskRole,
    "ecs-tasks.amazonaws.com",
    { "aws:SourceAccount": account, "aws:SourceArn": taskSourceArn },
    "task role",
  );
  const api = load.app.containers.find(
    (container) => container.environment["KINESIS_STREAM_NAME"] !== undefined,
  );
  const streamName = api?.environment["KINESIS_STREAM_NAME"];
  if (streamName !== undefined) {
    const stream = model.one("aws:kinesis/stream:Stream");
    if (model.state(stream)["name"] !== streamName)
      throw new Error(`KINESIS_STREAM_NAME ${streamName} is not the plan's stream`);
    const streamArn = model.arn(stream);
    const kinesis: [string, string][] = [
      ["kinesis:PutRecords", "serve: the API writes accepted orders (modes/stream/kinesis-intake.ts)"],
      ["kinesis:DescribeStreamSummary", "serve: readiness (modes/stream/kinesis-intake.ts)"],
      ["kinesis:ListShards", "work: shard discovery (modes/stream/kinesis-worker.ts)"],
      ["kinesis:GetShardIterator", "work: resume after the checkpoint (modes/stream/shard-consumer.ts)"],
      ["kinesis:GetRecords", "work: read a shard (modes/stream/shard-consumer.ts)"],
    ];
    for (const [action, why] of kinesis) {
      calls.push({
        label: `task role: ${action} on the order stream — ${why}`,
        request: { principal: taskRole.arn, action, resource: streamArn },
        policies: asRole(taskRole, model.resourcePolicy(streamArn)),
      });
    }
    const key = kms(String(stream.inputs["kmsKeyId"]));
    for (const [action, why] of [
      ["kms:GenerateDataKey", "Kinesis encrypts PutRecords with the stack key"],
      ["kms:Decrypt", "Kinesis decrypts GetRecords"],
    ]) {
      calls.push({
        label: `task role: ${action} through Kinesis — ${why}`,
        request: {
          principal: taskRole.arn,
          action: action!,
          resource: key.arn,
          context: { ...callerContext("kinesis"), "kms:EncryptionContext:aws:kinesis:arn": streamArn },
        },
        policies: asRole(taskRole, key.policy),
      });
    }
  }
  const database = databaseOf(model);
  const users = new Set(load.app.containers.map((container) => container.environment["DB_USER"]));
  for (const user of users) {
    calls.push({
      label: `task role: rds-db:connect as the application user ${user} (serve and work, DB_AUTH=iam)`,
      request: {
        principal: taskRole.arn,
        action: "rds-db:connect",
        resource: `arn:aws:rds-db:${region}:${account}:dbuser:${database.resourceId}/${user}`,
      },
      policies: asRole(taskRole),
    });
  }

  blueGreenCalls(model, load, calls);
  calls.push(...deliveryCallsOf(model));
  calls.push(...deploymentCallsOf(model));
  // Containers of one task share its execution role: the same pull or secret read is one call.
  const seen = new Set<string>();
  const distinct: Call[] = [];
  for (const call of calls) {
    const request = JSON.stringify(call.request);
    if (seen.has(request)) continue;
    seen.add(request);
    distinct.push(call);
  }
  return distinct;
}

/** ECS moving traffic between blue and green with the infrastructure role. */
function blueGreenCalls(model: PlanModel, load: ReturnType<typeof workload>, calls: Call[]): void {
  if (load.blueGreen === undefined) return;
  const { role, targetGroupArns, listenerRuleArns } = load.blueGreen;
  const policies: PolicyInputs = { identity: role.policies };
  calls.push({
    label: `ecs.amazonaws.com assumes ${role.name} (the documented trust policy)`,
    request: { principal: "ecs.amazonaws.com", action: "sts:AssumeRole", resource: role.arn },
    policies: { identity: [], resource: role.trust },
  });
  const push = (action: string, resource: string, why: string) =>
    calls.push({
      label: `ECS infrastructure role: ${action} — ${why}`,
      request: { principal: role.arn, action, resource },
      policies,
    });
  for (const ruleArn of listenerRuleArns) {
    push("elasticloadbalancing:ModifyRule", ruleArn, "shift the production rule's weights");
    const rule = model
      .ofType("aws:lb/listenerRule:ListenerRule")
      .find((candidate) => model.arn(candidate) === ruleArn);
    if (rule === undefined) throw new Error(`listener rule ${ruleArn} is not in the plan`);
    push("elasticloadbalancing:ModifyListener", String(rule.inputs["listenerArn"]), "the rule's listener");
  }
  for (const action of [
    "DescribeListeners",
    "DescribeRules",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
  ]) {
    push(`elasticloadbalancing:${action}`, "*", "read the deployment's state");
  }
  for (const targetGroupArn of targetGroupArns) {
    for (const action of ["RegisterTargets", "DeregisterTargets"]) {
      push(`elasticloadbalancing:${action}`, targetGroupArn, `tasks in ${targetGroupArn.split("/")[1]}`);
    }
  }
}
