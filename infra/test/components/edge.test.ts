import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Edge, TLS_POLICY } from "../../src/components/edge.js";
import { isTaggable } from "../../src/policies/tagging.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { installMocks, type MockHarness, resolve } from "../support/mocks.js";

const https = { environmentSuffix: "e1", stackName: "unit" };
const http = { environmentSuffix: "e2", stackName: "unit" };
const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const common = {
  vpcId: "vpc-1",
  publicSubnetIds: ["p1", "p2", "p3"],
  securityGroupId: "sg-alb",
  containerPort: 3000,
  healthPath: "/health",
};

describe("Edge", () => {
  let harness: MockHarness;
  let blueGreen: Edge;
  let plain: Edge;
  before(async () => {
    harness = await installMocks("us-east-1");
    blueGreen = new Edge("fastcart-edge-e1", {
      naming: https,
      ...common,
      tls: { kind: "certificate", certificateArn },
      blueGreen: true,
      waf: {
        rateLimit: 100,
        evaluationWindowSec: 300,
        managedRuleGroups: [],
        kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
        logRetentionDays: 90,
      },
    });
    plain = new Edge("fastcart-edge-e2", { naming: http, ...common, tls: { kind: "plain-http-insecure" } });
    await resolve(blueGreen.dnsName);
    await harness.settle();
  });
  const ofSuffix = (type: string, suffix: string) =>
    harness.ofType(type).filter((r) => r.name.endsWith(`-${suffix}`));

  it("is an internet-facing application load balancer in the public subnets", () => {
    const alb = harness.one("aws:lb/loadBalancer:LoadBalancer", "fastcart-alb-e1").inputs;
    assert.equal(alb["loadBalancerType"], "application");
    assert.equal(alb["internal"], false);
    assert.deepEqual(alb["subnets"], ["p1", "p2", "p3"]);
    assert.deepEqual(alb["securityGroups"], ["sg-alb"]);
    assert.equal(alb["dropInvalidHeaderFields"], true);
  });

  it("has blue and green ip target groups on the container port, health check on /health, 30 s deregistration", () => {
    for (const color of ["blue", "green"]) {
      const tg = harness.one("aws:lb/targetGroup:TargetGroup", `fastcart-tg-${color}-e1`).inputs;
      assert.equal(tg["targetType"], "ip");
      assert.equal(tg["port"], 3000);
      assert.equal(tg["protocol"], "HTTP");
      assert.equal(tg["deregistrationDelay"], 30);
      assert.equal(tg["healthCheck"].path, "/health");
      assert.equal(tg["healthCheck"].matcher, "200");
      assert.equal(tg["tags"].DeploymentColor, color);
    }
    assert.equal(ofSuffix("aws:lb/targetGroup:TargetGroup", "e2").length, 1, "rolling: blue only");
  });

  it("with a certificate: HTTPS on 443 (AWS's recommended TLS 1.3/1.2 policy) and port 80 redirects to HTTPS", () => {
    const listeners = Object.fromEntries(
      ofSuffix("aws:lb/listener:Listener", "e1").map((l) => [l.name, l.inputs]),
    );
    const tls = listeners["fastcart-https-e1"]!;
    assert.deepEqual(
      [tls["port"], tls["protocol"], tls["sslPolicy"], tls["certificateArn"]],
      [443, "HTTPS", TLS_POLICY, certificateArn],
    );
    const redirect = listeners["fastcart-http-redirect-e1"]!;
    assert.deepEqual([redirect["port"], redirect["protocol"]], [80, "HTTP"]);
    assert.deepEqual(redirect["defaultActions"], [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
  });

  it("with the plain-HTTP opt-out only: one HTTP listener forwarding to blue, no access logs", () => {
    assert.equal(TLS_POLICY, "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09");
    assert.equal(plain.accessLogBucket, undefined);
    assert.equal(
      harness.one("aws:lb/loadBalancer:LoadBalancer", "fastcart-alb-e2").inputs["accessLogs"],
      undefined,
    );
    const listeners = ofSuffix("aws:lb/listener:Listener", "e2");
    assert.equal(listeners.length, 1);
    assert.deepEqual([listeners[0]!.inputs["port"], listeners[0]!.inputs["protocol"]], [80, "HTTP"]);
    assert.deepEqual(listeners[0]!.inputs["defaultActions"], [
      {
        type: "forward",
        targetGroupArn: harness.arnOf("aws:lb/targetGroup:TargetGroup", "fastcart-tg-blue-e2"),
      },
    ]);
  });

  it("the production rule weights blue 100 / green 0 on the serving listener (ECS shifts these)", async () => {
    const rule = harness.one("aws:lb/listenerRule:ListenerRule", "fastcart-prod-rule-e1").inputs;
    assert.equal(rule["listenerArn"], harness.arnOf("aws:lb/listener:Listener", "fastcart-https-e1"));
    assert.deepEqual(rule["conditions"], [{ pathPattern: { values: ["/*"] } }]);
    const weights = rule["actions"][0].forward.targetGroups.map((t: { arn: string; weight: number }) => [
      t.arn.split("/")[1],
      t.weight,
    ]);
    assert.deepEqual(weights, [
      ["fastcart-tg-blue-e1", 100],
      ["fastcart-tg-green-e1", 0],
    ]);
    const plainRule = harness.one("aws:lb/listenerRule:ListenerRule", "fastcart-prod-rule-e2").inputs;
    assert.match(plainRule["actions"][0].targetGroupArn, /fastcart-tg-blue-e2/);
    assert.match(await resolve(blueGreen.productionRule.arn), /listener-rule/);
  });

  it("WAF: regional web ACL, rate-based rule 100 per IP per 300 s that blocks, associated with the ALB", () => {
    const acl = harness.one("aws:wafv2/webAcl:WebAcl").inputs;
    assert.equal(acl["scope"], "REGIONAL");
    assert.deepEqual(acl["defaultAction"], { allow: {} });
    const [rule] = acl["rules"];
    assert.deepEqual(rule.action, { block: {} });
    assert.deepEqual(rule.statement.rateBasedStatement, {
      limit: 100,
      aggregateKeyType: "IP",
      evaluationWindowSec: 300,
    });
    assert.equal(rule.visibilityConfig.cloudwatchMetricsEnabled, true);
    const association = harness.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs;
    assert.match(association["resourceArn"], /loadbalancer\/app\/fastcart-alb-e1\//);
    assert.match(association["webAclArn"], /fastcart-waf-e1/);
    assert.equal(plain.webAcl, undefined);
  });

  it("tags and parents every resource", () => {
    for (const naming of [https, http]) {
      const created = createdWithSuffix(harness, naming.environmentSuffix);
      assertParentedTo(harness, created, "fastcart:components:Edge");
      for (const r of created.filter((r) => isTaggable(r.type))) assertTagged(r, naming);
    }
  });
});
