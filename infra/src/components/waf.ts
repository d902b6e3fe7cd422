import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { WafManagedRuleGroup } from "../config.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/**
 * WAF only logs to destinations whose name starts with `aws-waf-logs-`:
 * https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
 */
export function wafLogGroupName(naming: Naming): string {
  return `aws-waf-logs-${resourceName(naming, "waf")}`;
}

/**
 * Rules of a managed group switched to count. The Common rule set's SizeRestrictions_BODY blocks bodies
 * over 8 KB (the most WAF inspects behind an ALB), but POST /orders accepts up to 256 KiB; in count mode
 * the match is still logged and labelled, and the service enforces its own body limit.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 */
export const COUNTED_MANAGED_RULES: Readonly<Partial<Record<WafManagedRuleGroup, readonly string[]>>> = {
  AWSManagedRulesCommonRuleSet: ["SizeRestrictions_BODY"],
};

export interface WebAclArgs {
  readonly naming: Naming;
  readonly loadBalancerArn: pulumi.Input<string>;
  readonly rateLimit: number;
  readonly evaluationWindowSec: number;
  /** AWS managed rule groups evaluated after the rate rule, in this order. */
  readonly managedRuleGroups: readonly WafManagedRuleGroup[];
  /** Encrypts the WAF log group. */
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
}

/**
 * The ALB's regional web ACL: a per-IP rate rule that blocks, then the AWS managed rule groups, and
 * full request logging to an encrypted CloudWatch log group with the Authorization header redacted
 * (bearer tokens never reach the logs).
 */
export function webAcl(args: WebAclArgs, parent: pulumi.Resource): aws.wafv2.WebAcl {
  const { naming } = args;
  const aclName = resourceName(naming, "waf");
  const visibility = (suffix: string) => ({
    cloudwatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${aclName}-${suffix}`,
  });
  const managedRules = args.managedRuleGroups.map((group, index) => ({
    name: group,
    priority: 10 * (index + 1),
    // `none`: each rule of the group keeps its own action (block), except the ones counted below.
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: "AWS",
        name: group,
        ruleActionOverrides: (COUNTED_MANAGED_RULES[group] ?? []).map((rule) => ({
          name: rule,
          actionToUse: { count: {} },
        })),
      },
    },
    visibilityConfig: visibility(group),
  }));
  const acl = new aws.wafv2.WebAcl(
    aclName,
    {
      name: aclName,
      description: `FastCart API: at most ${args.rateLimit} requests per IP per ${args.evaluationWindowSec} s, AWS managed rules`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: [
        {
          name: "rate-limit-per-ip",
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: args.rateLimit,
              aggregateKeyType: "IP",
              evaluationWindowSec: args.evaluationWindowSec,
            },
          },
          visibilityConfig: visibility("rate-limit"),
        },
        ...managedRules,
      ],
      visibilityConfig: visibility("acl"),
      tags: resourceTags(naming, aclName),
    },
    { parent },
  );
  new aws.wafv2.WebAclAssociation(
    resourceName(naming, "waf-alb"),
    { resourceArn: args.loadBalancerArn, webAclArn: acl.arn },
    { parent },
  );

  const logGroupName = wafLogGroupName(naming);
  const logGroup = new aws.cloudwatch.LogGroup(
    resourceName(naming, "waf-logs"),
    {
      name: logGroupName,
      retentionInDays: args.logRetentionDays,
      kmsKeyId: args.kmsKeyArn,
      tags: resourceTags(naming, logGroupName),
    },
    { parent },
  );
  new aws.wafv2.WebAclLoggingConfiguration(
    resourceName(naming, "waf-logging"),
    {
      resourceArn: acl.arn,
      logDestinationConfigs: [logGroup.arn],
      redactedFields: [{ singleHeader: { name: "authorization" } }],
    },
    { parent },
  );
  return acl;
}
