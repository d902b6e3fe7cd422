/** The plan's table: key settings per resource type, tree layout, outputs and warnings. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatPlanTable, KEY_SETTINGS, keySettings } from "../src/plan/table.js";
import type { PlanResource } from "../src/plan/types.js";

describe("plan table", () => {
  const resource = (
    type: string,
    inputs: Record<string, unknown>,
    extra: Partial<PlanResource> = {},
  ): PlanResource => ({
    urn: `urn:pulumi:s::p::${type}::r`,
    type,
    name: "r",
    parent: null,
    dependsOn: [],
    propertyDependencies: {},
    provider: null,
    custom: true,
    inputs,
    ...extra,
  });
  /** One input object with every field any summary reads. */
  const everything = {
    cidrBlock: "10.0.0.0/16",
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-1" }],
    ingress: [
      { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-1"], self: true },
      { protocol: "-1" },
    ],
    settings: [{ name: "containerInsights", value: "enabled" }],
    defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
    capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
    containerDefinitions: JSON.stringify([
      { name: "api", command: ["serve"], portMappings: [{ containerPort: 3000 }] },
      { name: "worker" },
    ]),
    rules: [{ name: "rate", statement: { rateBasedStatement: { limit: 100 } } }, { name: "plain" }],
    assumeRolePolicy: JSON.stringify({ Statement: [{ Principal: { Service: "ecs-tasks.amazonaws.com" } }] }),
    kmsKeyId: "arn:aws:kms:eu-central-1:123456789012:key/abc",
    shardLevelMetrics: ["IncomingBytes", "OutgoingBytes"],
    healthCheck: { path: "/health" },
  };

  it("summarises every type it knows", () => {
    for (const type of Object.keys(KEY_SETTINGS))
      assert.equal(typeof keySettings(resource(type, everything)), "string", type);
    assert.equal(keySettings(resource("aws:ec2/vpc:Vpc", everything)), "cidr=10.0.0.0/16");
    assert.equal(
      keySettings(resource("aws:ecs/taskDefinition:TaskDefinition", everything)),
      "container api[serve]:3000 container worker",
    );
    assert.equal(
      keySettings(resource("aws:kinesis/stream:Stream", everything)),
      "kms=…abc metrics=IncomingBytes+OutgoingBytes",
    );
    assert.equal(
      keySettings(resource("aws:ec2/securityGroup:SecurityGroup", everything)),
      "in tcp/5432-5432 from sg-1,self in -1/undefined-undefined from -",
    );
    assert.equal(
      keySettings(resource("aws:wafv2/webAcl:WebAcl", everything)),
      "rule rate limit=100 rule plain",
    );
    assert.equal(
      keySettings(resource("aws:iam/role:Role", everything)),
      'trusts {"Service":"ecs-tasks.amazonaws.com"}',
    );
    assert.equal(
      keySettings(
        resource("aws:appautoscaling/policy:Policy", {
          targetTrackingScalingPolicyConfiguration: {
            targetValue: 500,
            customizedMetricSpecification: {
              metrics: [
                { id: "pending", metricStat: { metric: { metricName: "PendingOrders" } } },
                { id: "perTask", expression: "pending / tasks" },
                { id: "nothing" },
              ],
            },
          },
        }),
      ),
      "target=500 pending=PendingOrders perTask=pending / tasks",
    );
    assert.equal(keySettings(resource("aws:ecs/cluster:Cluster", {})), "");
    assert.equal(keySettings(resource("aws:ecs/service:Service", { desiredCount: 2 })), "desired=2");
    assert.equal(keySettings(resource("aws:ec2/routeTable:RouteTable", {})), "");
    assert.equal(keySettings(resource("aws:ec2/securityGroup:SecurityGroup", {})), "");
    assert.equal(keySettings(resource("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", {})), "");
    assert.equal(keySettings(resource("aws:wafv2/webAcl:WebAcl", {})), "");
    assert.equal(
      keySettings(resource("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: "{not json" })),
      "containers=(unparsed)",
    );
    assert.equal(keySettings(resource("aws:iam/role:Role", { assumeRolePolicy: "[secret]" })), "");
    assert.equal(keySettings(resource("aws:nosuch/type:Type", everything)), "");
  });

  it("indents children under their parent, lists outputs and warnings, and puts orphans at the top", () => {
    const parent = resource(
      "fastcart:components:Network",
      {},
      { urn: "urn:parent", name: "network", custom: false },
    );
    const child = resource(
      "aws:ec2/vpc:Vpc",
      { cidrBlock: "10.0.0.0/16" },
      { name: "vpc", parent: "urn:parent" },
    );
    const orphan = resource(
      "aws:ec2/vpc:Vpc",
      {},
      { urn: "urn:orphan", name: "orphan", parent: "urn:missing" },
    );
    const table = formatPlanTable({
      stack: "s",
      project: "p",
      resources: [parent, child, orphan],
      outputs: { id: "vpc-1", list: ["a", "b"] },
      warnings: ["careful"],
    });
    assert.match(table, /^Stack s \(project p\): 3 resources \(2 AWS\/provider, 1 components\)/);
    assert.match(table, /\nfastcart:components:Network +network\n/);
    assert.match(table, /\naws:ec2\/vpc:Vpc + {2}vpc +cidr=10\.0\.0\.0\/16\n/);
    assert.match(table, /\naws:ec2\/vpc:Vpc +orphan\n/);
    assert.match(table, /\n {4}2 {2}aws:ec2\/vpc:Vpc\n {4}1 {2}fastcart:components:Network\n/);
    assert.match(table, /\n {2}id = vpc-1\n {2}list = \["a","b"\]\n/);
    assert.match(table, /\nWARNINGS\n {2}careful$/);
  });
});
