/**
 * Plans for the verifier tests: each stack's own plan, one planned with a certificate (HTTPS), and
 * plans with the deploy-day controls added as the program will add them (flow logs, ALB access logs,
 * deployment alarms, IAM database authentication) — so the checks that key off those resources are
 * exercised before the program has them.
 */
import { planStack as planOnce, planProgram } from "../../src/plan/plan.js";
import { readStackSettings } from "../../src/plan/stack-settings.js";
import type { Plan, PlanResource } from "../../src/plan/types.js";

export const REGIONS = { "fastcart-dev": "eu-central-1", "orders-api-prod": "us-east-1" } as const;
export const CERTIFICATE_ARN =
  "arn:aws:acm:us-east-1:123456789012:certificate/8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

/** orders-api-prod planned with `certificateArn` set: an HTTPS listener and a redirecting port 80. */
export async function planWithCertificate(): Promise<Plan> {
  const settings = readStackSettings("orders-api-prod");
  return planProgram(
    { ...settings, config: { ...settings.config, "fastcart-orders:certificateArn": CERTIFICATE_ARN } },
    async () => {
      const entry = await import("../../index.js");
      return entry.default();
    },
  );
}

const planned = new Map<string, Promise<Plan>>();

/** A stack's plan, planned once per test process (tests never modify a plan: fixtures copy it). */
export function planStack(stack: string): Promise<Plan> {
  let plan = planned.get(stack);
  if (plan === undefined) {
    plan = planOnce(stack);
    planned.set(stack, plan);
  }
  return plan;
}

function withInputs(
  plan: Plan,
  type: string,
  add: (resource: PlanResource) => Record<string, unknown>,
): Plan {
  return {
    ...plan,
    resources: plan.resources.map((r) =>
      r.custom && r.type === type ? { ...r, inputs: { ...r.inputs, ...add(r) } } : r,
    ),
  };
}

/** The deploy-day controls on top of a stack's plan, in the provider's input names. */
export function withDeployDayControls(plan: Plan): Plan {
  const vpc = plan.resources.find((r) => r.type === "aws:ec2/vpc:Vpc") as PlanResource;
  const vpcId = String(plan.outputs["vpc_id"] ?? plan.outputs["vpcId"]);
  const suffix = plan.stack === "fastcart-dev" ? "dev" : "prod";
  const logGroup = `/aws/vpc/fastcart-flow-logs-${suffix}`;
  const region = REGIONS[plan.stack as keyof typeof REGIONS];
  const flowLog: PlanResource = {
    ...vpc,
    urn: vpc.urn
      .replace("aws:ec2/vpc:Vpc::", "aws:ec2/flowLog:FlowLog::")
      .replace(/::[^:]+$/, `::fastcart-flow-log-${suffix}`),
    type: "aws:ec2/flowLog:FlowLog",
    name: `fastcart-flow-log-${suffix}`,
    dependsOn: [vpc.urn],
    propertyDependencies: { vpcId: [vpc.urn] },
    inputs: {
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: `arn:aws:logs:${region}:123456789012:log-group:${logGroup}`,
    },
  };
  let result: Plan = { ...plan, resources: [...plan.resources, flowLog] };
  const alarmNames = plan.resources
    .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
    .map((r) => String(r.inputs["name"]));
  result = withInputs(result, "aws:ecs/service:Service", () => ({
    alarms: { alarmNames: alarmNames.slice(0, 2), enable: true, rollback: true },
  }));
  result = withInputs(result, "aws:rds/instance:Instance", () => ({
    iamDatabaseAuthenticationEnabled: true,
  }));
  result = withInputs(result, "aws:rds/cluster:Cluster", () => ({ iamDatabaseAuthenticationEnabled: true }));
  return withInputs(result, "aws:lb/loadBalancer:LoadBalancer", () => ({
    accessLogs: { bucket: `fastcart-alb-logs-${suffix}-123456789012`, enabled: true, prefix: "alb" },
  }));
}

/** The same plan without the deploy-day controls: no flow logs, access logs, HTTPS, deployment alarms, IAM auth. */
export function withoutDeployDayControls(plan: Plan): Plan {
  const strip = (r: PlanResource): PlanResource => {
    const inputs: Record<string, unknown> = { ...r.inputs };
    delete inputs["alarms"];
    delete inputs["iamDatabaseAuthenticationEnabled"];
    delete inputs["accessLogs"];
    if (r.type === "aws:lb/listener:Listener" && inputs["protocol"] === "HTTPS") inputs["protocol"] = "HTTP";
    return { ...r, inputs };
  };
  return {
    ...plan,
    resources: plan.resources.filter((r) => r.type !== "aws:ec2/flowLog:FlowLog").map(strip),
  };
}
