import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** TLS policy of the HTTPS listener (TLS 1.3 with 1.2 fallback). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface EdgeArgs {
  readonly naming: Naming;
  readonly vpcId: pulumi.Input<string>;
  /** Public subnets (one per AZ) for the internet-facing ALB. */
  readonly publicSubnetIds: pulumi.Input<string[]>;
  /** ALB security group (80/443 in). */
  readonly securityGroupId: pulumi.Input<string>;
  /** Container port the target groups forward to. */
  readonly containerPort: number;
  /** Health check path of the target groups. */
  readonly healthPath: string;
  /** ACM certificate: HTTPS listener + HTTP→HTTPS redirect. Unset: HTTP listener only. */
  readonly certificateArn?: string;
  /** Create the green target group and weight the production rule for ECS blue/green. Default false. */
  readonly blueGreen?: boolean;
  /** Seconds a deregistering target keeps draining. Default 30. */
  readonly deregistrationDelaySeconds?: number;
  /** WAF rate limit per IP; unset: no web ACL. */
  readonly waf?: { readonly rateLimit: number; readonly evaluationWindowSec: number };
}

/**
 * Internet-facing ALB with blue and green target groups (ip targets for Fargate), the production
 * listener rule ECS native blue/green shifts traffic with, and an optional WAFv2 web ACL that
 * rate-limits each client IP.
 *
 * The production rule forwards to blue (weight 100) and green (weight 0). During a BLUE_GREEN
 * deployment ECS rewrites those weights, so the rule's actions are in `ignoreChanges`: otherwise the
 * next `pulumi up` after a deployment would swing traffic back to whichever group is not serving.
 */
export class Edge extends pulumi.ComponentResource {
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly dnsName: pulumi.Output<string>;
  /** `app/<name>/<id>`: the LoadBalancer dimension of ALB metrics. */
  readonly arnSuffix: pulumi.Output<string>;
  readonly blueTargetGroup: aws.lb.TargetGroup;
  readonly greenTargetGroup: aws.lb.TargetGroup | undefined;
  /** The listener that serves production traffic (HTTPS with a certificate, else HTTP). */
  readonly productionListener: aws.lb.Listener;
  readonly productionRule: aws.lb.ListenerRule;
  readonly webAcl: aws.wafv2.WebAcl | undefined;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Edge", name, {}, opts);
    const { naming } = args;
    const parent = { parent: this };

    const albName = resourceName(naming, "alb");
    this.loadBalancer = new aws.lb.LoadBalancer(
      albName,
      {
        name: albName,
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [args.securityGroupId],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: false,
        idleTimeout: 60,
        tags: resourceTags(naming, albName),
      },
      parent,
    );
    this.dnsName = this.loadBalancer.dnsName;
    this.arnSuffix = this.loadBalancer.arnSuffix;

    const targetGroup = (color: "blue" | "green") => {
      const tgName = resourceName(naming, `tg-${color}`);
      return new aws.lb.TargetGroup(
        tgName,
        {
          name: tgName,
          vpcId: args.vpcId,
          targetType: "ip",
          protocol: "HTTP",
          port: args.containerPort,
          deregistrationDelay: args.deregistrationDelaySeconds ?? 30,
          healthCheck: {
            enabled: true,
            path: args.healthPath,
            protocol: "HTTP",
            matcher: "200",
            interval: 15,
            timeout: 5,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
          },
          tags: resourceTags(naming, tgName, { DeploymentColor: color }),
        },
        parent,
      );
    };
    this.blueTargetGroup = targetGroup("blue");
    if (args.blueGreen) this.greenTargetGroup = targetGroup("green");

    const forwardToBlue: aws.types.input.lb.ListenerDefaultAction = {
      type: "forward",
      targetGroupArn: this.blueTargetGroup.arn,
    };
    if (args.certificateArn) {
      const httpsName = resourceName(naming, "https");
      this.productionListener = new aws.lb.Listener(
        httpsName,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn: args.certificateArn,
          defaultActions: [forwardToBlue],
          tags: resourceTags(naming, httpsName),
        },
        parent,
      );
      const redirectName = resourceName(naming, "http-redirect");
      new aws.lb.Listener(
        redirectName,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
          ],
          tags: resourceTags(naming, redirectName),
        },
        parent,
      );
    } else {
      const httpName = resourceName(naming, "http");
      this.productionListener = new aws.lb.Listener(
        httpName,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [forwardToBlue],
          tags: resourceTags(naming, httpName),
        },
        parent,
      );
    }

    const ruleName = resourceName(naming, "prod-rule");
    const green = this.greenTargetGroup;
    this.productionRule = new aws.lb.ListenerRule(
      ruleName,
      {
        listenerArn: this.productionListener.arn,
        priority: 1,
        conditions: [{ pathPattern: { values: ["/*"] } }],
        actions: [
          green
            ? {
                type: "forward",
                forward: {
                  targetGroups: [
                    { arn: this.blueTargetGroup.arn, weight: 100 },
                    { arn: green.arn, weight: 0 },
                  ],
                },
              }
            : { type: "forward", targetGroupArn: this.blueTargetGroup.arn },
        ],
        tags: resourceTags(naming, ruleName),
      },
      { parent: this, ignoreChanges: green ? ["actions"] : [] },
    );

    if (args.waf) {
      const aclName = resourceName(naming, "waf");
      const metric = (suffix: string) => ({
        cloudwatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: `${aclName}-${suffix}`,
      });
      this.webAcl = new aws.wafv2.WebAcl(
        aclName,
        {
          name: aclName,
          description: `FastCart API: at most ${args.waf.rateLimit} requests per IP per ${args.waf.evaluationWindowSec} s`,
          scope: "REGIONAL",
          defaultAction: { allow: {} },
          rules: [
            {
              name: "rate-limit-per-ip",
              priority: 1,
              action: { block: {} },
              statement: {
                rateBasedStatement: {
                  limit: args.waf.rateLimit,
                  aggregateKeyType: "IP",
                  evaluationWindowSec: args.waf.evaluationWindowSec,
                },
              },
              visibilityConfig: metric("rate-limit"),
            },
          ],
          visibilityConfig: metric("acl"),
          tags: resourceTags(naming, aclName),
        },
        parent,
      );
      new aws.wafv2.WebAclAssociation(
        resourceName(naming, "waf-alb"),
        { resourceArn: this.loadBalancer.arn, webAclArn: this.webAcl.arn },
        parent,
      );
    }

    this.registerOutputs({
      dnsName: this.dnsName,
      blueTargetGroupArn: this.blueTargetGroup.arn,
      greenTargetGroupArn: this.greenTargetGroup?.arn,
      productionRuleArn: this.productionRule.arn,
      webAclArn: this.webAcl?.arn,
    });
  }
}
