import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { WafManagedRuleGroup } from "../config.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";
import { accessLogBucket } from "./access-logs.js";
import { aliasRecord, domainCertificate } from "./edge-certificate.js";
import { webAcl } from "./waf.js";

/**
 * TLS policy of the HTTPS listener: the one AWS recommends (TLS 1.3 and 1.2, hybrid post-quantum key
 * exchange for clients that offer it, forward-secret ciphers only):
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

/** Where the HTTPS listener's certificate comes from, or the explicit plain-HTTP opt-out. */
export type EdgeTls =
  | { readonly kind: "certificate"; readonly certificateArn: string }
  | {
      readonly kind: "domain";
      readonly domainName: string;
      readonly hostedZoneName: string;
      /** Alias A record domainName → the ALB. */
      readonly aliasRecord: boolean;
    }
  | { readonly kind: "plain-http-insecure" };

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
  /** HTTPS (port 80 only redirects) with a given or a DNS-validated certificate, or the plain-HTTP opt-out. */
  readonly tls: EdgeTls;
  /** Access logs to an SSE-S3 bucket of the stack; unset: none. */
  readonly accessLogs?: {
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
    readonly expirationDays: number;
  };
  /** Create the green target group and weight the production rule for ECS blue/green. Default false. */
  readonly blueGreen?: boolean;
  /** Seconds a deregistering target keeps draining. Default 30. */
  readonly deregistrationDelaySeconds?: number;
  /** WAF web ACL (rate rule, managed rule groups, logging); unset: no web ACL. */
  readonly waf?: {
    readonly rateLimit: number;
    readonly evaluationWindowSec: number;
    readonly managedRuleGroups: readonly WafManagedRuleGroup[];
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
  };
}

/**
 * Internet-facing ALB with blue and green target groups (ip targets for Fargate), the production
 * listener rule ECS native blue/green shifts traffic with, HTTPS on 443 with port 80 redirecting (plain
 * HTTP only with the explicit opt-out), access logs, and an optional WAFv2 web ACL.
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
  /** The listener that serves production traffic: HTTPS, or HTTP with the plain-HTTP opt-out only. */
  readonly productionListener: aws.lb.Listener;
  readonly productionRule: aws.lb.ListenerRule;
  readonly webAcl: aws.wafv2.WebAcl | undefined;
  readonly accessLogBucket: aws.s3.Bucket | undefined;
  /** The API's DNS name when the stack owns it (apiDomainName). */
  readonly domainName: string | undefined;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Edge", name, {}, opts);
    const { naming } = args;
    const parent = { parent: this };

    const logs = args.accessLogs ? accessLogBucket({ naming, ...args.accessLogs }, this) : undefined;
    this.accessLogBucket = logs?.bucket;

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
        accessLogs: logs ? { bucket: logs.bucket.bucket, prefix: logs.prefix, enabled: true } : undefined,
        tags: resourceTags(naming, albName),
      },
      // ELB checks that it may write to the bucket when logging is turned on.
      { parent: this, dependsOn: logs ? [logs.policy] : [] },
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
    const { tls } = args;
    const domain = tls.kind === "domain" ? domainCertificate({ naming, ...tls }, this) : undefined;
    const certificateArn = tls.kind === "certificate" ? tls.certificateArn : domain?.validatedCertificateArn;
    this.domainName = tls.kind === "domain" ? tls.domainName : undefined;
    if (certificateArn !== undefined) {
      const httpsName = resourceName(naming, "https");
      this.productionListener = new aws.lb.Listener(
        httpsName,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn,
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
      // Only with allowPlainHttpInsecure: the configuration refuses an ALB without a certificate otherwise.
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

    if (domain && tls.kind === "domain" && tls.aliasRecord) {
      aliasRecord(naming, domain.hostedZoneId, tls.domainName, this.loadBalancer, this);
    }

    this.webAcl = args.waf
      ? webAcl({ naming, loadBalancerArn: this.loadBalancer.arn, ...args.waf }, this)
      : undefined;

    this.registerOutputs({
      dnsName: this.dnsName,
      blueTargetGroupArn: this.blueTargetGroup.arn,
      greenTargetGroupArn: this.greenTargetGroup?.arn,
      productionRuleArn: this.productionRule.arn,
      webAclArn: this.webAcl?.arn,
      accessLogBucket: this.accessLogBucket?.bucket,
    });
  }
}
