import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";
import { flowLogGroupName } from "./flow-logs.js";
import { wafLogGroupName } from "./waf.js";

/** Services that encrypt this stack's data with the customer-managed key, reached through `kms:ViaService`. */
export const KMS_VIA_SERVICES = ["secretsmanager", "rds", "elasticache", "kinesis", "ecr", "sns"] as const;

export interface EncryptionArgs {
  readonly naming: Naming;
  /** Region of the stack; service endpoints in the key policy are regional. */
  readonly region: string;
  /** Account that owns the key (its root administers it, IAM policies delegate use). */
  readonly accountId: pulumi.Input<string>;
  /** Days before a deleted key is destroyed. Default 7 (the minimum; stacks are meant to be destroyable). */
  readonly deletionWindowInDays?: number;
}

/**
 * The stack's customer-managed KMS key: rotation on, an alias, and a key policy that
 * - lets the account administer the key (no data-plane use from the root statement),
 * - lets principals of this account use it only through the listed AWS services (`kms:ViaService`),
 *   and lets those services create grants for their own resources (`kms:GrantIsForAWSResource`),
 * - lets CloudWatch Logs encrypt this stack's log groups (encryption context = log group ARN): the
 *   service and database groups by prefix, the VPC flow log and WAF log groups by exact name,
 * - lets CloudWatch alarms publish to the KMS-encrypted SNS alarm topic.
 * A key policy's `Resource` must be `*` (it means "this key"); that is the only wildcard here.
 */
export class Encryption extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  readonly keyArn: pulumi.Output<string>;
  readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: EncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Encryption", name, {}, opts);
    const { naming, region, accountId } = args;
    const keyName = resourceName(naming, "kms");
    const root = pulumi.interpolate`arn:aws:iam::${accountId}:root`;

    const policy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: [
            "kms:CreateAlias",
            "kms:UpdateAlias",
            "kms:DeleteAlias",
            "kms:DescribeKey",
            "kms:EnableKey",
            "kms:DisableKey",
            "kms:EnableKeyRotation",
            "kms:DisableKeyRotation",
            "kms:GetKeyRotationStatus",
            "kms:ListKeyRotations",
            "kms:RotateKeyOnDemand",
            "kms:GetKeyPolicy",
            "kms:PutKeyPolicy",
            "kms:ListKeyPolicies",
            "kms:ListAliases",
            "kms:ListGrants",
            "kms:RevokeGrant",
            "kms:ListResourceTags",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:UpdateKeyDescription",
            "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion",
          ],
          Resource: "*",
        },
        {
          Sid: "AccountUsesKeyThroughStackServices",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:DescribeKey",
          ],
          Resource: "*",
          Condition: {
            StringEquals: {
              "kms:CallerAccount": accountId,
              "kms:ViaService": KMS_VIA_SERVICES.map((service) => `${service}.${region}.amazonaws.com`),
            },
          },
        },
        {
          Sid: "StackServicesCreateGrantsForTheirResources",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          Resource: "*",
          Condition: {
            Bool: { "kms:GrantIsForAWSResource": "true" },
            StringEquals: {
              "kms:CallerAccount": accountId,
              "kms:ViaService": KMS_VIA_SERVICES.map((service) => `${service}.${region}.amazonaws.com`),
            },
          },
        },
        {
          Sid: "CloudWatchLogsEncryptsStackLogGroups",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:DescribeKey",
          ],
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": [
                pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/ecs/fastcart-*`,
                pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/rds/*`,
                pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:${flowLogGroupName(naming)}`,
                pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:${wafLogGroupName(naming)}`,
              ],
            },
          },
        },
        {
          Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
      ],
    });

    this.key = new aws.kms.Key(
      keyName,
      {
        description: `FastCart Orders data key (${naming.stackName})`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.deletionWindowInDays ?? 7,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        policy,
        tags: resourceTags(naming, keyName),
      },
      { parent: this },
    );
    this.alias = new aws.kms.Alias(
      keyName,
      { name: `alias/${keyName}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
    this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, aliasName: this.alias.name });
  }
}
