import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** The flow log group; the key policy lets CloudWatch Logs use the stack key for exactly this name. */
export function flowLogGroupName(naming: Naming): string {
  return `/vpc/${resourceName(naming, "flow-logs")}`;
}

export interface VpcFlowLogArgs {
  readonly naming: Naming;
  readonly vpcId: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Encrypts the log group. */
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly retentionDays: number;
  readonly trafficType: "ALL" | "ACCEPT" | "REJECT";
}

/**
 * VPC flow logs to a CloudWatch log group encrypted with the stack key, published through a role only
 * the flow-logs service of this account may assume, as "IAM role for publishing flow logs to CloudWatch
 * Logs" documents it (aws:SourceAccount / aws:SourceArn against the confused deputy):
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 */
export function vpcFlowLog(args: VpcFlowLogArgs, parent: pulumi.Resource): aws.ec2.FlowLog {
  const { naming, region, accountId } = args;
  const opts = { parent };
  const groupName = flowLogGroupName(naming);
  const logGroup = new aws.cloudwatch.LogGroup(
    resourceName(naming, "flow-logs"),
    {
      name: groupName,
      retentionInDays: args.retentionDays,
      kmsKeyId: args.kmsKeyArn,
      tags: resourceTags(naming, groupName),
    },
    opts,
  );
  const roleName = resourceName(naming, "flow-logs-role");
  const role = new aws.iam.Role(
    roleName,
    {
      name: roleName,
      description: "VPC flow logs publish to the stack's flow log group",
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: {
                "aws:SourceArn": pulumi.interpolate`arn:aws:ec2:${region}:${accountId}:vpc-flow-log/*`,
              },
            },
          },
        ],
      }),
      tags: resourceTags(naming, roleName),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    resourceName(naming, "flow-logs-publish"),
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "PublishToFlowLogGroup",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
          },
          {
            // Part of the documented minimum; a list call without a resource type.
            Sid: "FindLogGroups",
            Effect: "Allow",
            Action: ["logs:DescribeLogGroups"],
            Resource: "*",
          },
        ],
      }),
    },
    opts,
  );
  const flowLogName = resourceName(naming, "flow-log");
  return new aws.ec2.FlowLog(
    flowLogName,
    {
      vpcId: args.vpcId,
      trafficType: args.trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 600,
      tags: resourceTags(naming, flowLogName),
    },
    opts,
  );
}
