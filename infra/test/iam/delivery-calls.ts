/**
 * AWS services delivering into the stack's encrypted log groups, topic and buckets on its behalf:
 * CloudWatch Logs encrypting each log group with the stack key, VPC flow logs through their delivery
 * role, CloudWatch alarms publishing to the encrypted topic, the load balancer writing access logs.
 */
import type { Call } from "./allowed-calls.js";
import type { PlanModel } from "./plan-model.js";
import type { PolicyInputs } from "./simulator.js";

/** AWS services writing into the stack's encrypted log groups, topic and buckets. */
export function deliveryCallsOf(model: PlanModel): Call[] {
  const { region, account } = model;
  const calls: Call[] = [];
  const logs = `logs.${region}.amazonaws.com`;
  for (const group of model.ofType("aws:cloudwatch/logGroup:LogGroup")) {
    if (group.inputs["kmsKeyId"] === undefined) continue;
    const key = model.keyPolicy(String(group.inputs["kmsKeyId"]));
    for (const action of ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]) {
      calls.push({
        label: `CloudWatch Logs: ${action} for ${model.state(group)["name"]} (encryption context = the group's ARN)`,
        request: {
          principal: logs,
          action,
          resource: key.arn,
          context: { "kms:EncryptionContext:aws:logs:arn": model.arn(group) },
        },
        policies: { identity: [], resource: key.policy },
      });
    }
  }
  for (const flowLog of model.ofType("aws:ec2/flowLog:FlowLog")) {
    const role = model.role(String(flowLog.inputs["iamRoleArn"]));
    const groupArn = String(flowLog.inputs["logDestination"]);
    calls.push({
      label: `vpc-flow-logs.amazonaws.com assumes ${role.name}`,
      request: {
        principal: "vpc-flow-logs.amazonaws.com",
        action: "sts:AssumeRole",
        resource: role.arn,
        context: { "aws:SourceAccount": account, "aws:SourceArn": model.arn(flowLog) },
      },
      policies: { identity: [], resource: role.trust },
    });
    const stream = `${groupArn}:log-stream:eni-0123456789abcdef0-all`;
    for (const [action, resource] of [
      ["logs:CreateLogStream", stream],
      ["logs:PutLogEvents", stream],
      ["logs:DescribeLogStreams", groupArn],
      ["logs:DescribeLogGroups", "*"],
    ] as const) {
      calls.push({
        label: `flow log delivery role: ${action}`,
        request: { principal: role.arn, action, resource },
        policies: { identity: role.policies },
      });
    }
  }
  for (const topic of model.ofType("aws:sns/topic:Topic")) {
    if (topic.inputs["kmsMasterKeyId"] === undefined) continue;
    const key = model.keyPolicy(String(topic.inputs["kmsMasterKeyId"]));
    for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
      calls.push({
        label: `CloudWatch alarms: ${action} to publish to the encrypted topic ${topic.name}`,
        request: {
          principal: "cloudwatch.amazonaws.com",
          action,
          resource: key.arn,
          context: {
            "aws:SourceAccount": account,
            "aws:SourceArn": `arn:aws:cloudwatch:${region}:${account}:alarm:any`,
          },
        },
        policies: { identity: [], resource: key.policy },
      });
    }
  }
  for (const balancer of model.ofType("aws:lb/loadBalancer:LoadBalancer")) {
    const accessLogs = balancer.inputs["accessLogs"] as
      | { bucket: string; prefix?: string; enabled?: boolean }
      | undefined;
    if (accessLogs === undefined || accessLogs.enabled === false) continue;
    const delivery = elbLogDelivery(model, accessLogs.bucket);
    const key = `${accessLogs.prefix ? `${accessLogs.prefix}/` : ""}AWSLogs/${account}/elasticloadbalancing/${region}/2026/12/01/${account}_elasticloadbalancing_${region}_app.log.gz`;
    calls.push({
      label: `ALB access logs: s3:PutObject by ${delivery.principal} into ${accessLogs.bucket}`,
      request: {
        principal: delivery.principal,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${accessLogs.bucket}/${key}`,
        context: { "aws:SecureTransport": "true" },
      },
      policies: {
        identity: delivery.identity,
        resource: model.resourcePolicy(`arn:aws:s3:::${accessLogs.bucket}`),
      },
    });
  }
  return calls;
}

/**
 * Who writes ALB access logs: the regional ELB account (regions before August 2022) or the log delivery
 * service principal, as the bucket policy names it. An account principal acts with its own account's
 * policies, which AWS runs: stood in for by one that lets it write objects.
 */
export function elbLogDelivery(
  model: PlanModel,
  bucket: string,
): { principal: string; identity: PolicyInputs["identity"] } {
  const policy = model.resourcePolicy(`arn:aws:s3:::${bucket}`) as
    | { Statement?: { Effect: string; Principal?: unknown }[] }
    | undefined;
  for (const statement of policy?.Statement ?? []) {
    const principal = statement.Principal as { AWS?: string; Service?: string } | string | undefined;
    if (statement.Effect !== "Allow" || typeof principal !== "object") continue;
    if (principal.Service !== undefined) return { principal: principal.Service, identity: [] };
    if (principal.AWS !== undefined) {
      return {
        principal: principal.AWS,
        identity: [
          {
            name: "ELB log delivery (AWS's own account)",
            document: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }],
            },
          },
        ],
      };
    }
  }
  return { principal: "logdelivery.elasticloadbalancing.amazonaws.com", identity: [] };
}
