/**
 * The production listener rule and ECS blue/green share one field: ECS rewrites the rule's forward
 * weights when it shifts traffic, so Pulumi must leave the rule's `actions` alone after creating them —
 * otherwise the next `pulumi up` after a deployment would send traffic back to the group that no
 * longer serves. Without blue/green nothing else touches the rule and Pulumi keeps managing it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Edge } from "../../src/components/edge.js";
import { installMocks, type MockHarness, resolve } from "../support/mocks.js";

const RULE = "aws:lb/listenerRule:ListenerRule";
const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const shared = {
  vpcId: "vpc-1",
  publicSubnetIds: ["p1", "p2"],
  securityGroupId: "sg-alb",
  containerPort: 3000,
  healthPath: "/ready",
  tls: { kind: "certificate", certificateArn } as const,
};

describe("production listener rule under ECS blue/green", () => {
  let harness: MockHarness;
  before(async () => {
    harness = await installMocks("us-east-1");
    const blueGreen = new Edge("fastcart-edge-lr1", {
      naming: { environmentSuffix: "lr1", stackName: "unit" },
      ...shared,
      blueGreen: true,
    });
    const rolling = new Edge("fastcart-edge-lr2", {
      naming: { environmentSuffix: "lr2", stackName: "unit" },
      ...shared,
    });
    await resolve(blueGreen.productionRule.arn);
    await resolve(rolling.productionRule.arn);
    await harness.settle();
  });

  it("blue/green: Pulumi ignores the rule's actions, which start at blue 100 / green 0", () => {
    assert.deepEqual(harness.ignoreChangesOf(RULE, "fastcart-prod-rule-lr1"), ["actions"]);
    const [forward] = harness.one(RULE, "fastcart-prod-rule-lr1").inputs["actions"];
    assert.deepEqual(
      forward.forward.targetGroups.map((group: { arn: string; weight: number }) => group.weight),
      [100, 0],
    );
  });

  it("rolling: the rule forwards to blue and Pulumi keeps managing it", () => {
    assert.deepEqual(harness.ignoreChangesOf(RULE, "fastcart-prod-rule-lr2"), []);
    assert.deepEqual(harness.one(RULE, "fastcart-prod-rule-lr2").inputs["actions"], [
      {
        type: "forward",
        targetGroupArn: harness.arnOf("aws:lb/targetGroup:TargetGroup", "fastcart-tg-blue-lr2"),
      },
    ]);
    assert.throws(() => harness.ignoreChangesOf(RULE, "fastcart-prod-rule-nowhere"), /was never registered/);
  });
});
