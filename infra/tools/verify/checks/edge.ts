/**
 * The load balancer: active, internet-facing as planned, hardened attributes, access logs when planned,
 * and the planned listeners — with HTTPS, port 80 only redirects to 443.
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  type LoadBalancer,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { PlanView } from "../plan-view.js";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check, CheckContext } from "../types.js";
import { found, known } from "./support.js";

export const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";

export async function describeLoadBalancer({ plan, aws }: CheckContext): Promise<LoadBalancer> {
  const name = stringInput(plan.one(LOAD_BALANCER), "name");
  const { LoadBalancers } = await aws.send(aws.elbv2, new DescribeLoadBalancersCommand({ Names: [name] }));
  return found(LoadBalancers?.[0], `load balancer ${name}`);
}

async function attributes(context: CheckContext, arn: string): Promise<Map<string, string | undefined>> {
  const { Attributes = [] } = await context.aws.send(
    context.aws.elbv2,
    new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }),
  );
  return new Map(Attributes.map((a) => [a.Key ?? "", a.Value]));
}

export const loadBalancer: Check = {
  id: "alb",
  title: "the ALB is active with the planned scheme, DNS name and hardening attributes",
  appliesTo: (plan) => plan.has(LOAD_BALANCER),
  async run(context, findings) {
    const planned = context.plan.one(LOAD_BALANCER);
    const live = await describeLoadBalancer(context);
    findings.equal("state", "active", live.State?.Code);
    findings.equal(
      "scheme",
      inputAt(planned, "internal") === true ? "internal" : "internet-facing",
      live.Scheme,
    );
    findings.equal("type", inputAt(planned, "loadBalancerType") ?? "application", live.Type);
    if (context.outputs.has("albDnsName"))
      findings.equal("DNS name (output albDnsName)", context.outputs.text("albDnsName"), live.DNSName);
    const live_ = await attributes(context, found(live.LoadBalancerArn, "the ALB's ARN"));
    findings.equal(
      "drop_invalid_header_fields",
      String(inputAt(planned, "dropInvalidHeaderFields") ?? false),
      live_.get("routing.http.drop_invalid_header_fields.enabled"),
    );
    findings.equal(
      "deletion_protection",
      String(inputAt(planned, "enableDeletionProtection") ?? false),
      live_.get("deletion_protection.enabled"),
    );
    findings.equal(
      "idle_timeout (s)",
      String(inputAt(planned, "idleTimeout") ?? 60),
      live_.get("idle_timeout.timeout_seconds"),
    );
  },
};

function plannedAccessLogs(plan: PlanView) {
  const lb = plan.all(LOAD_BALANCER)[0];
  const logs =
    lb && (inputAt(lb, "accessLogs") as { bucket?: string; enabled?: boolean; prefix?: string } | undefined);
  return logs?.enabled === true ? logs : undefined;
}

/**
 * Whether the plan names the log bucket itself: a bucket the program leaves to Pulumi's auto-naming
 * gets a random suffix at creation, so the plan's name for it is not the deployed one.
 */
function bucketNamedInPlan(plan: PlanView): boolean {
  const lb = plan.all(LOAD_BALANCER)[0];
  const sources = new Set(lb?.propertyDependencies["accessLogs"] ?? []);
  const buckets = plan.plan.resources.filter((r) => sources.has(r.urn) && r.type.startsWith("aws:s3/bucket"));
  return buckets.length === 0 || buckets.every((bucket) => typeof inputAt(bucket, "bucket") === "string");
}

export const accessLogs: Check = {
  id: "alb-access-logs",
  title: "the ALB writes access logs to the planned S3 bucket",
  appliesTo: (plan) => plannedAccessLogs(plan) !== undefined,
  async run(context, findings) {
    const expected = found(plannedAccessLogs(context.plan), "ALB access logs in the plan");
    const live = await describeLoadBalancer(context);
    const values = await attributes(context, found(live.LoadBalancerArn, "the ALB's ARN"));
    findings.equal("access_logs.s3.enabled", "true", values.get("access_logs.s3.enabled"));
    if (known(expected.bucket) && bucketNamedInPlan(context.plan)) {
      findings.equal(
        "access_logs.s3.bucket",
        context.translate.live(expected.bucket),
        values.get("access_logs.s3.bucket"),
      );
    } else {
      findings.note(
        `bucket ${values.get("access_logs.s3.bucket") ?? "(none)"} (named by AWS, not in the plan)`,
      );
    }
    if (expected.prefix !== undefined)
      findings.equal("access_logs.s3.prefix", expected.prefix, values.get("access_logs.s3.prefix"));
  },
};

/** A listener's default action, in words both sides produce the same way. */
function describeAction(action: Record<string, unknown> | undefined): string {
  if (action === undefined) return "(none)";
  const type = String(action["type"] ?? action["Type"]).toLowerCase();
  const redirect = (action["redirect"] ?? action["RedirectConfig"]) as Record<string, unknown> | undefined;
  if (type === "redirect" && redirect) {
    const get = (k: string) => redirect[k] ?? redirect[k[0]!.toUpperCase() + k.slice(1)];
    return `redirect ${get("protocol")}:${get("port")} ${get("statusCode")}`;
  }
  return type;
}

export const listeners: Check = {
  id: "alb-listeners",
  title: "the ALB has exactly the planned listeners (port, protocol, certificate, default action)",
  appliesTo: (plan) => plan.has(LISTENER),
  async run(context, findings) {
    const { plan, aws, translate } = context;
    const live = await describeLoadBalancer(context);
    const { Listeners = [] } = await aws.send(
      aws.elbv2,
      new DescribeListenersCommand({ LoadBalancerArn: live.LoadBalancerArn }),
    );
    const planned = plan.all(LISTENER);
    findings.equal(
      "listener ports",
      planned.map((l) => inputAt(l, "port")),
      Listeners.map((l) => l.Port),
    );
    for (const listener of planned) {
      const port = Number(inputAt(listener, "port"));
      const match = Listeners.find((l) => l.Port === port);
      if (match === undefined) continue;
      findings.equal(`:${port} protocol`, inputAt(listener, "protocol"), match.Protocol);
      const certificate = inputAt(listener, "certificateArn");
      if (known(certificate))
        findings.equal(
          `:${port} certificate`,
          translate.live(certificate),
          match.Certificates?.[0]?.CertificateArn,
        );
      const policy = inputAt(listener, "sslPolicy");
      if (policy !== undefined) findings.equal(`:${port} sslPolicy`, policy, match.SslPolicy);
      const action = (inputAt(listener, "defaultActions") as Record<string, unknown>[] | undefined)?.[0];
      findings.equal(
        `:${port} default action`,
        describeAction(action),
        describeAction(match.DefaultActions?.[0] as Record<string, unknown> | undefined),
      );
    }
  },
};

/** True when the plan serves HTTPS: a listener on 443 with a certificate. */
export function plansHttps(plan: PlanView): boolean {
  return plan.all(LISTENER).some((l) => inputAt(l, "protocol") === "HTTPS");
}

export const https: Check = {
  id: "alb-https",
  title: "HTTPS on 443 with the planned certificate, and port 80 only redirects to HTTPS",
  appliesTo: plansHttps,
  async run(context, findings) {
    const { aws } = context;
    const live = await describeLoadBalancer(context);
    const { Listeners = [] } = await aws.send(
      aws.elbv2,
      new DescribeListenersCommand({ LoadBalancerArn: live.LoadBalancerArn }),
    );
    const secure = Listeners.find((l) => l.Port === 443);
    findings.equal(":443 protocol", "HTTPS", secure?.Protocol);
    findings.that(":443 certificate", (secure?.Certificates?.length ?? 0) > 0, "a certificate", "none");
    for (const plain of Listeners.filter((l) => l.Protocol === "HTTP")) {
      const action = plain.DefaultActions?.[0];
      findings.equal(
        `:${plain.Port} default action`,
        "redirect HTTPS:443 HTTP_301",
        describeAction(action as Record<string, unknown> | undefined),
      );
    }
  },
};
