/**
 * Drift: each fixture changes one deployed setting the way a console edit would; the verifier must fail
 * exactly the check that owns the setting, naming the setting, the planned and the live value.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  MergeShardsCommand,
} from "@aws-sdk/client-kinesis";
import { type Deployment, deploy, EXIT } from "./deployment.js";
import { planStack, REGIONS } from "./plans.js";
import type { DeployedResource, StandInAccount } from "./stand-in/account.js";

/** Removes one key from the deployment's outputs file, as an incomplete export would. */
function dropOutput(deployment: Deployment, key: string): void {
  const values = JSON.parse(readFileSync(deployment.outputsFile, "utf8")) as Record<string, unknown>;
  delete values[key];
  writeFileSync(deployment.outputsFile, JSON.stringify(values));
}

const named = (a: StandInAccount, type: string, key: string, value: string) =>
  a.find(type, key, value) as DeployedResource;

interface Drift {
  readonly name: string;
  readonly check: string;
  /** Text the mismatch line must contain (setting, expected, actual). */
  readonly says: RegExp;
  apply(account: StandInAccount, deployment: Deployment): void | Promise<void>;
}

async function expectOnlyFailure(deployment: Deployment, drift: Drift): Promise<void> {
  const { code, out } = await deployment.verify();
  const failed = out.flatMap((line) => / FAIL (\S+)/.exec(line)?.[1] ?? []);
  assert.equal(code, EXIT.failed, out.join("\n"));
  assert.deepEqual(failed, [drift.check], out.join("\n"));
  assert.match(out.join("\n"), drift.says);
  assert.match(out.at(-1) ?? "", new RegExp(`1 failed .*\\(failed: ${drift.check}\\)$`));
}

async function waitActive(deployment: Deployment, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { StreamDescriptionSummary } = await deployment.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

const DEV_DRIFTS: Drift[] = [
  {
    name: "database secret rotation turned off",
    check: "db-secret-rotation",
    says: /rotationEnabled: expected true, got false/,
    apply: (a) => a.remove(a.one("aws:secretsmanager/secretRotation:SecretRotation")),
  },
  {
    name: "KMS key rotation turned off",
    check: "kms-key",
    says: /enableKeyRotation: expected true, got false/,
    apply: (a) => {
      a.one("aws:kms/key:Key").inputs["enableKeyRotation"] = false;
    },
  },
  {
    name: "the database made publicly accessible",
    check: "rds-instance",
    says: /publiclyAccessible: expected false, got true/,
    apply: (a) => {
      a.one("aws:rds/instance:Instance").inputs["publiclyAccessible"] = true;
    },
  },
  {
    name: "log retention changed",
    check: "log-groups",
    says: /\/ecs\/fastcart-orders-dev retentionInDays: expected 7, got 30/,
    apply: (a) => {
      (
        a.find("aws:cloudwatch/logGroup:LogGroup", "name", "/ecs/fastcart-orders-dev") as {
          inputs: Record<string, unknown>;
        }
      ).inputs["retentionInDays"] = 30;
    },
  },
  {
    name: "shard count changed (shards merged on the Kinesis server)",
    check: "kinesis-stream",
    says: /shardCount \(open shards\): expected 2, got 1/,
    async apply(_a, d) {
      await d.kinesis.send(
        new MergeShardsCommand({
          StreamName: "fastcart-orders-stream-dev",
          ShardToMerge: "shardId-000000000000",
          AdjacentShardToMerge: "shardId-000000000001",
        }),
      );
      await waitActive(d, "fastcart-orders-stream-dev");
    },
  },
  {
    name: "stream retention raised to 48 h on the Kinesis server",
    check: "kinesis-stream",
    says: /retentionPeriod \(hours\): expected 24, got 48/,
    async apply(_a, d) {
      await d.kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({
          StreamName: "fastcart-orders-stream-dev",
          RetentionPeriodHours: 48,
        }),
      );
      await waitActive(d, "fastcart-orders-stream-dev");
    },
  },
  {
    name: "Container Insights turned off",
    check: "ecs-cluster",
    says: /containerInsights: expected enabled, got disabled/,
    apply: (a) => {
      a.one("aws:ecs/cluster:Cluster").inputs["settings"] = [
        { name: "containerInsights", value: "disabled" },
      ];
    },
  },
  {
    name: "Redis in-transit encryption off",
    check: "elasticache",
    says: /transitEncryptionEnabled: expected true, got false/,
    apply: (a) => {
      a.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["transitEncryptionEnabled"] = false;
    },
  },
  {
    name: "the service running one task short",
    check: "ecs-service",
    says: /runningCount: expected 2, got 1/,
    apply: (a) => {
      a.runningCount.set("fastcart-service-dev", 1);
    },
  },
  {
    name: "an output missing from the outputs file",
    check: "outputs-complete",
    says: /outputs in .*flat-outputs\.json: expected \[.*\], got "?missing public_subnet_ids"?/,
    apply: (_a, d) => dropOutput(d, "public_subnet_ids"),
  },
  {
    name: "a private subnet assigning public IPs",
    check: "vpc",
    says: /subnet fastcart-private-subnet-1-dev mapPublicIpOnLaunch: expected false, got true/,
    apply: (a) => {
      named(a, "aws:ec2/subnet:Subnet", "cidrBlock", "10.0.128.0/20").inputs["mapPublicIpOnLaunch"] = true;
    },
  },
  {
    name: "image scanning on push turned off",
    check: "ecr-repository",
    says: /scanOnPush: expected true, got false/,
    apply: (a) => {
      a.one("aws:ecr/repository:Repository").inputs["imageScanningConfiguration"] = { scanOnPush: false };
    },
  },
  {
    name: "a secret re-encrypted with another key",
    check: "secrets-manager",
    says: /fastcart-jwt-secret-dev kmsKeyId: expected arn:aws:kms:.*, got arn:aws:kms:eu-central-1:123456789012:key\/other/,
    apply: (a) => {
      named(a, "aws:secretsmanager/secret:Secret", "name", "fastcart-jwt-secret-dev").inputs["kmsKeyId"] =
        "arn:aws:kms:eu-central-1:123456789012:key/other";
    },
  },
  {
    name: "a dashboard widget removed",
    check: "dashboard",
    says: /fastcart-dashboard-dev widgets: expected \[/,
    apply: (a) => {
      const dashboard = a.one("aws:cloudwatch/dashboard:Dashboard");
      const body = JSON.parse(String(dashboard.inputs["dashboardBody"])) as { widgets: unknown[] };
      dashboard.inputs["dashboardBody"] = JSON.stringify({ widgets: body.widgets.slice(1) });
    },
  },
];

const PROD_DRIFTS: Drift[] = [
  {
    name: "a parameter value changed",
    check: "ssm-parameters",
    says: /\/fastcart\/prod\/LOG_LEVEL value: expected info, got debug/,
    apply: (a) => {
      named(a, "aws:ssm/parameter:Parameter", "name", "/fastcart/prod/LOG_LEVEL").inputs["insecureValue"] =
        "debug";
    },
  },
  {
    name: "the ALB stops dropping invalid headers",
    check: "alb",
    says: /drop_invalid_header_fields: expected true, got false/,
    apply: (a) => {
      a.one("aws:lb/loadBalancer:LoadBalancer").inputs["dropInvalidHeaderFields"] = false;
    },
  },
  {
    name: "a target group's health check path changed",
    check: "target-groups",
    says: /fastcart-tg-green-prod health check path: expected \/\w+, got \//,
    apply: (a) => {
      const group = named(a, "aws:lb/targetGroup:TargetGroup", "name", "fastcart-tg-green-prod");
      group.inputs["healthCheck"] = { ...(group.inputs["healthCheck"] as object), path: "/" };
    },
  },
  {
    name: "the WAF rate rule deleted",
    check: "waf",
    says: /rules: expected \[.*"rate-limit-per-ip".*\], got \[(?!.*rate-limit-per-ip).*\]/,
    apply: (a) => {
      const acl = a.one("aws:wafv2/webAcl:WebAcl");
      acl.inputs["rules"] = (acl.inputs["rules"] as { name: string }[]).filter(
        (r) => r.name !== "rate-limit-per-ip",
      );
    },
  },
  {
    name: "the WAF rate limit raised",
    check: "waf",
    says: /rate-limit-per-ip limit: expected 100, got 1000/,
    apply: (a) => {
      const acl = a.one("aws:wafv2/webAcl:WebAcl");
      const rules = structuredClone(acl.inputs["rules"]) as {
        statement: { rateBasedStatement: { limit: number } };
      }[];
      (rules[0] as (typeof rules)[0]).statement.rateBasedStatement.limit = 1000;
      acl.inputs["rules"] = rules;
    },
  },
  {
    name: "a target group's targets unhealthy",
    check: "target-health",
    says: /fastcart-tg-blue-prod target 10\.0\.10\.11:3000: expected healthy, got unhealthy \(Target\.ResponseCodeMismatch\)/,
    apply: (a) => {
      a.targetHealth.set("fastcart-tg-blue-prod", "unhealthy");
    },
  },
  {
    name: "the Aurora writer made publicly accessible",
    check: "aurora-cluster",
    says: /fastcart-aurora-writer-prod publiclyAccessible: expected false, got true/,
    apply: (a) => {
      (
        a.find("aws:rds/clusterInstance:ClusterInstance", "identifier", "fastcart-aurora-writer-prod") as {
          inputs: Record<string, unknown>;
        }
      ).inputs["publiclyAccessible"] = true;
    },
  },
  {
    name: "Container Insights turned off",
    check: "ecs-cluster",
    says: /containerInsights: expected enabled, got disabled/,
    apply: (a) => {
      a.one("aws:ecs/cluster:Cluster").inputs["settings"] = [
        { name: "containerInsights", value: "disabled" },
      ];
    },
  },
  {
    name: "an alarm deleted",
    check: "alarms",
    says: /expected "present", got "absent"|expected present, got absent/,
    // Not one the service watches during deployments: that would fail ecs-deployment-alarms too.
    apply: (a) =>
      a.remove(
        a
          .all("aws:cloudwatch/metricAlarm:MetricAlarm")
          .find((x) => !String(x.inputs["name"]).includes("-deploy-")) as DeployedResource,
      ),
  },
];

for (const [stack, drifts] of [
  ["fastcart-dev", DEV_DRIFTS],
  ["orders-api-prod", PROD_DRIFTS],
] as const) {
  describe(`verify ${stack}: drift fails the owning check`, () => {
    let plan: Awaited<ReturnType<typeof planStack>>;
    before(async () => {
      plan = await planStack(stack);
    });
    for (const drift of drifts) {
      describe(drift.name, () => {
        let deployment: Deployment;
        before(async () => {
          deployment = await deploy(plan, REGIONS[stack]);
        });
        after(() => deployment.stop());
        it(`fails ${drift.check} only`, async () => {
          await drift.apply(deployment.account, deployment);
          await expectOnlyFailure(deployment, drift);
        });
      });
    }
  });
}
