/** Elastic Load Balancing v2 (query protocol, XML): the ALB, its attributes and listeners, target groups and health. */
import type { DeployedResource, StandInAccount } from "./account.js";
import { AwsFault, listParam, type Params, queryReply, type Reply } from "./protocols.js";

const NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const arn = (r: DeployedResource) => String(r.attributes["arn"]);

function action(a: Record<string, unknown>) {
  const redirect = a["redirect"] as Record<string, unknown> | undefined;
  return {
    Type: a["type"],
    TargetGroupArn: a["targetGroupArn"],
    RedirectConfig: redirect && {
      Protocol: redirect["protocol"],
      Port: redirect["port"],
      StatusCode: redirect["statusCode"],
    },
  };
}

export function elbv2(account: StandInAccount, operation: string, params: Params): Reply {
  const reply = (result: Record<string, unknown>) => queryReply(operation, NS, result);
  switch (operation) {
    case "DescribeLoadBalancers": {
      const names = listParam(params, "Names");
      const found = account
        .all(LB)
        .filter((lb) => names.length === 0 || names.includes(String(lb.inputs["name"])));
      if (names.length > 0 && found.length === 0)
        throw new AwsFault("LoadBalancerNotFound", `One or more load balancers not found`);
      return reply({
        LoadBalancers: found.map((lb) => ({
          LoadBalancerArn: arn(lb),
          LoadBalancerName: lb.inputs["name"],
          DNSName: lb.attributes["dnsName"],
          Scheme: lb.inputs["internal"] === true ? "internal" : "internet-facing",
          Type: lb.inputs["loadBalancerType"] ?? "application",
          State: { Code: "active" },
        })),
      });
    }
    case "DescribeLoadBalancerAttributes": {
      const lb = account.all(LB).find((l) => arn(l) === params.get("LoadBalancerArn"));
      if (lb === undefined) throw new AwsFault("LoadBalancerNotFound", "no such load balancer");
      const logs =
        (lb.inputs["accessLogs"] as { bucket?: string; enabled?: boolean; prefix?: string } | undefined) ??
        {};
      const attributes: Record<string, unknown> = {
        "routing.http.drop_invalid_header_fields.enabled": lb.inputs["dropInvalidHeaderFields"] ?? false,
        "deletion_protection.enabled": lb.inputs["enableDeletionProtection"] ?? false,
        "idle_timeout.timeout_seconds": lb.inputs["idleTimeout"] ?? 60,
        "access_logs.s3.enabled": logs.enabled ?? false,
        "access_logs.s3.bucket": logs.bucket ?? "",
        "access_logs.s3.prefix": logs.prefix ?? "",
      };
      return reply({
        Attributes: Object.entries(attributes).map(([Key, Value]) => ({ Key, Value: String(Value) })),
      });
    }
    case "DescribeListeners": {
      const lbArn = params.get("LoadBalancerArn");
      const listeners = account
        .all("aws:lb/listener:Listener")
        .filter((l) => l.inputs["loadBalancerArn"] === lbArn);
      return reply({
        Listeners: listeners.map((l) => ({
          ListenerArn: arn(l),
          Port: l.inputs["port"],
          Protocol: l.inputs["protocol"],
          SslPolicy: l.inputs["sslPolicy"],
          Certificates: l.inputs["certificateArn"]
            ? [{ CertificateArn: l.inputs["certificateArn"] }]
            : undefined,
          DefaultActions: ((l.inputs["defaultActions"] as Record<string, unknown>[] | undefined) ?? []).map(
            action,
          ),
        })),
      });
    }
    case "DescribeTargetGroups": {
      const names = listParam(params, "Names");
      const groups = account
        .all(TG)
        .filter((g) => names.length === 0 || names.includes(String(g.inputs["name"])));
      if (names.length > 0 && groups.length === 0)
        throw new AwsFault("TargetGroupNotFound", "One or more target groups not found");
      return reply({
        TargetGroups: groups.map((g) => {
          const check = (g.inputs["healthCheck"] as Record<string, unknown> | undefined) ?? {};
          return {
            TargetGroupArn: arn(g),
            TargetGroupName: g.inputs["name"],
            Port: g.inputs["port"],
            Protocol: g.inputs["protocol"],
            TargetType: g.inputs["targetType"] ?? "instance",
            HealthCheckPath: check["path"],
            HealthCheckIntervalSeconds: check["interval"],
            HealthyThresholdCount: check["healthyThreshold"],
            UnhealthyThresholdCount: check["unhealthyThreshold"],
            Matcher: { HttpCode: check["matcher"] },
          };
        }),
      });
    }
    case "DescribeTargetHealth": {
      const group = account.all(TG).find((g) => arn(g) === params.get("TargetGroupArn"));
      if (group === undefined) throw new AwsFault("TargetGroupNotFound", "no such target group");
      // The production (blue) group carries the tasks; the idle green group has none between deployments.
      const state = account.targetHealth.get(String(group.inputs["name"])) ?? "healthy";
      const targets =
        (group.inputs["tags"] as Record<string, string> | undefined)?.["DeploymentColor"] === "green"
          ? []
          : ["10.0.10.11", "10.0.11.12"];
      return reply({
        TargetHealthDescriptions: targets.map((ip) => ({
          Target: { Id: ip, Port: group.inputs["port"] },
          TargetHealth:
            state === "healthy" ? { State: state } : { State: state, Reason: "Target.ResponseCodeMismatch" },
        })),
      });
    }
    default:
      throw new AwsFault("InvalidAction", `the stand-in does not answer ELBv2 ${operation}`);
  }
}
