/**
 * createProgram with settings neither stack file uses: a pipeline stack behind an HTTPS ALB without
 * WAF, a rolling deployment, an external image repository and an alarm email.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadStackConfig } from "../src/config.js";
import { createProgram, PIPELINE_OUTPUTS } from "../src/program.js";
import { installMocks, json, type MockHarness, resolve } from "./support/mocks.js";

const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const settings: Record<string, string> = {
  environmentSuffix: "var",
  "aws:region": "eu-west-1",
  cacheEnabled: "true",
  albEnabled: "true",
  certificateArn,
  imageRepository: "ghcr.io/fastcart/orders",
  imageDigest: `sha256:${"e".repeat(64)}`,
  alarmEmail: "oncall@example.com",
  natGateways: "perAz",
  // The production controls switched off, as a cost-sensitive sandbox might.
  flowLogsEnabled: "false",
  albAccessLogsEnabled: "false",
  auroraPerformanceInsights: "false",
};

describe("createProgram variants", () => {
  let h: MockHarness;
  let outputs: Record<string, unknown>;
  before(async () => {
    h = await installMocks("eu-west-1", "variant");
    const program = createProgram(loadStackConfig((key) => settings[key], "variant"));
    outputs = {};
    for (const [key, value] of Object.entries(program)) outputs[key] = await resolve(value);
    await h.settle();
  });

  it("an ALB without WAF: HTTPS listener with a redirect on 80, no web ACL, rolling deployment behind blue", () => {
    const listeners = h
      .ofType("aws:lb/listener:Listener")
      .map((l) => [l.inputs["port"], l.inputs["protocol"]])
      .sort();
    assert.deepEqual(listeners, [
      [443, "HTTPS"],
      [80, "HTTP"],
    ]);
    assert.equal(h.ofType("aws:wafv2/webAcl:WebAcl").length, 0);
    assert.equal(h.ofType("aws:lb/targetGroup:TargetGroup").length, 1);
    const svc = h.one("aws:ecs/service:Service").inputs;
    assert.equal(svc["deploymentConfiguration"].strategy, "ROLLING");
    assert.equal(svc["loadBalancers"][0].advancedConfiguration, undefined);
    assert.deepEqual(
      h.one("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-var").inputs["ingress"][0]
        .securityGroups,
      [h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-alb-sg-var")],
    );
    // With a certificate the HTTPS listener exists, and so does the 443 rule in front of it.
    assert.deepEqual(
      h
        .one("aws:ec2/securityGroup:SecurityGroup", "fastcart-alb-sg-var")
        .inputs["ingress"].map((rule: { fromPort: number }) => rule.fromPort),
      [80, 443],
    );
  });

  it("runs the image from the configured repository by the configured digest, without asking ECR", () => {
    const [api] = json(
      h.one("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-var").inputs["containerDefinitions"],
    );
    assert.equal(api.image, `ghcr.io/fastcart/orders@sha256:${"e".repeat(64)}`);
    assert.equal(h.calls.filter((c) => c.token === "aws:ecr/getImage:getImage").length, 0);
  });

  it("subscribes the alarm email and still exports the pipeline outputs", () => {
    assert.equal(
      h.one("aws:sns/topicSubscription:TopicSubscription").inputs["endpoint"],
      "oncall@example.com",
    );
    assert.deepEqual(Object.keys(outputs).sort(), [...PIPELINE_OUTPUTS].sort());
    assert.equal(h.ofType("aws:ec2/natGateway:NatGateway").length, 2);
  });

  it("leaves out the controls switched off: no flow log, no access-log bucket", () => {
    assert.equal(h.ofType("aws:ec2/flowLog:FlowLog").length, 0);
    assert.equal(h.ofType("aws:s3/bucket:Bucket").length, 0);
    assert.equal(h.one("aws:lb/loadBalancer:LoadBalancer").inputs["accessLogs"], undefined);
  });
});
