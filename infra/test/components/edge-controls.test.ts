/**
 * The edge's controls: a DNS-validated certificate for the API's domain with its alias record, the
 * access-log bucket and its policy, and the web ACL's managed rule groups and logging.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ELB_LOG_DELIVERY_ACCOUNTS, elbLogDeliveryPrincipal } from "../../src/components/access-logs.js";
import { Edge } from "../../src/components/edge.js";
import { COUNTED_MANAGED_RULES, wafLogGroupName } from "../../src/components/waf.js";
import { WAF_MANAGED_RULE_GROUPS } from "../../src/config.js";
import { isTaggable } from "../../src/policies/tagging.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { installMocks, json, MOCK_ACCOUNT_ID, type MockHarness, resolve } from "../support/mocks.js";

const naming = { environmentSuffix: "ec", stackName: "unit" };
const keyArn = `arn:aws:kms:eu-central-1:${MOCK_ACCOUNT_ID}:key/k`;

describe("Edge controls", () => {
  let harness: MockHarness;
  let edge: Edge;
  before(async () => {
    harness = await installMocks("eu-central-1");
    edge = new Edge("fastcart-edge-ec", {
      naming,
      vpcId: "vpc-1",
      publicSubnetIds: ["p1", "p2"],
      securityGroupId: "sg-alb",
      containerPort: 3000,
      healthPath: "/health",
      tls: {
        kind: "domain",
        domainName: "orders-api.shop.example",
        hostedZoneName: "shop.example",
        aliasRecord: true,
      },
      accessLogs: { region: "eu-central-1", accountId: MOCK_ACCOUNT_ID, expirationDays: 30 },
      blueGreen: true,
      waf: {
        rateLimit: 500,
        evaluationWindowSec: 60,
        managedRuleGroups: ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet"],
        kmsKeyArn: keyArn,
        logRetentionDays: 90,
      },
    });
    await resolve(edge.dnsName);
    await harness.settle();
  });
  const one = (type: string, name?: string) => harness.one(type, name);

  it("requests a DNS-validated certificate for the domain in the zone looked up by name", () => {
    const lookup = harness.calls.find((c) => c.token === "aws:route53/getZone:getZone");
    assert.deepEqual(lookup?.inputs, { name: "shop.example", privateZone: false });
    const cert = one("aws:acm/certificate:Certificate", "fastcart-cert-ec");
    assert.equal(cert.inputs["domainName"], "orders-api.shop.example");
    assert.equal(cert.inputs["validationMethod"], "DNS");
    const [option] = cert.state["domainValidationOptions"];
    const record = one("aws:route53/record:Record", "fastcart-cert-validation-ec").inputs;
    assert.deepEqual(
      [record["name"], record["type"], record["records"]],
      [option.resourceRecordName, "CNAME", [option.resourceRecordValue]],
    );
    assert.match(record["zoneId"], /^Z[0-9A-F]{20}$/);
    const validation = one("aws:acm/certificateValidation:CertificateValidation").inputs;
    assert.equal(validation["certificateArn"], cert.state["arn"]);
    assert.deepEqual(validation["validationRecordFqdns"], [option.resourceRecordName.replace(/\.$/, "")]);
  });

  it("the HTTPS listener uses the certificate only once validated, and an alias A record points the domain at the ALB", () => {
    const https = one("aws:lb/listener:Listener", "fastcart-https-ec").inputs;
    const validation = one("aws:acm/certificateValidation:CertificateValidation");
    // The listener's certificate is CertificateValidation's output, so Pulumi creates it after validation.
    assert.equal(https["certificateArn"], validation.state["certificateArn"]);
    const waitsFor = harness.dependenciesOf("aws:lb/listener:Listener", "fastcart-https-ec");
    assert.ok(
      waitsFor.some((urn) =>
        urn.endsWith("aws:acm/certificateValidation:CertificateValidation::fastcart-cert-validation-ec"),
      ),
      `the HTTPS listener depends on the certificate validation; it depends on ${waitsFor.join(", ")}`,
    );
    const alias = one("aws:route53/record:Record", "fastcart-api-alias-ec").inputs;
    const alb = one("aws:lb/loadBalancer:LoadBalancer", "fastcart-alb-ec").state;
    assert.deepEqual(
      [alias["name"], alias["type"], alias["aliases"]],
      [
        "orders-api.shop.example",
        "A",
        [{ name: alb["dnsName"], zoneId: alb["zoneId"], evaluateTargetHealth: true }],
      ],
    );
    assert.equal(edge.domainName, "orders-api.shop.example");
  });

  it("access logs: an SSE-S3 bucket (the only kind ALB delivery writes to), public access blocked, ACLs off, expiring", () => {
    const bucket = one("aws:s3/bucket:Bucket", "fastcart-alb-logs-ec");
    assert.equal(bucket.inputs["bucket"], `fastcart-alb-logs-${MOCK_ACCOUNT_ID}-eu-central-1-ec`);
    assert.equal(bucket.inputs["tags"].LogType, "alb-access-logs");
    const bucketId = bucket.id;
    const sse = one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ).inputs;
    assert.equal(sse["bucket"], bucketId);
    assert.deepEqual(sse["rules"], [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    const block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
    for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
      assert.equal(block[flag], true, flag);
    assert.equal(
      one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"].objectOwnership,
      "BucketOwnerEnforced",
    );
    const [rule] = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"];
    assert.deepEqual(
      [rule.status, rule.filter, rule.expiration],
      ["Enabled", { prefix: "alb/" }, { days: 30 }],
    );
  });

  it("the bucket policy refuses requests without TLS and lets the region's ELB account put logs under the prefix only", () => {
    const bucketArn = one("aws:s3/bucket:Bucket").state["arn"];
    const [tls, delivery] = json(one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"]).Statement;
    assert.deepEqual(tls, {
      Sid: "DenyRequestsWithoutTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    assert.deepEqual(delivery.Principal, { AWS: "arn:aws:iam::054676820928:root" });
    assert.equal(delivery.Action, "s3:PutObject");
    assert.equal(delivery.Resource, `${bucketArn}/alb/AWSLogs/${MOCK_ACCOUNT_ID}/*`);
  });

  it("the ELB log-delivery principal: the documented account per older region, the service principal elsewhere", () => {
    assert.equal(ELB_LOG_DELIVERY_ACCOUNTS["us-east-1"], "127311923021");
    assert.deepEqual(elbLogDeliveryPrincipal("us-east-1"), { AWS: "arn:aws:iam::127311923021:root" });
    assert.deepEqual(elbLogDeliveryPrincipal("ap-southeast-5"), {
      Service: "logdelivery.elasticloadbalancing.amazonaws.com",
    });
  });

  it("the load balancer logs to the bucket and is created after the bucket policy", () => {
    const alb = one("aws:lb/loadBalancer:LoadBalancer", "fastcart-alb-ec");
    assert.deepEqual(alb.inputs["accessLogs"], {
      bucket: one("aws:s3/bucket:Bucket").state["bucket"],
      prefix: "alb",
      enabled: true,
    });
    const dependencies = harness.dependenciesOf("aws:lb/loadBalancer:LoadBalancer", "fastcart-alb-ec");
    assert.ok(
      dependencies.some((urn) => urn.endsWith("aws:s3/bucketPolicy:BucketPolicy::fastcart-alb-logs-ec")),
      `the ALB depends on the bucket policy; it depends on ${dependencies.join(", ")}`,
    );
  });

  it("WAF: the rate rule first, then the managed rule groups in order; SizeRestrictions_BODY only counts", () => {
    const [rate, reputation, common] = one("aws:wafv2/webAcl:WebAcl").inputs["rules"];
    assert.equal(rate.name, "rate-limit-per-ip");
    assert.deepEqual([rate.priority, reputation.priority, common.priority], [1, 10, 20]);
    assert.deepEqual(reputation.statement.managedRuleGroupStatement, {
      vendorName: "AWS",
      name: "AWSManagedRulesAmazonIpReputationList",
      ruleActionOverrides: [],
    });
    assert.deepEqual(reputation.overrideAction, { none: {} });
    assert.deepEqual(common.statement.managedRuleGroupStatement.ruleActionOverrides, [
      { name: "SizeRestrictions_BODY", actionToUse: { count: {} } },
    ]);
    assert.deepEqual(Object.keys(COUNTED_MANAGED_RULES), ["AWSManagedRulesCommonRuleSet"]);
    assert.ok(WAF_MANAGED_RULE_GROUPS.includes("AWSManagedRulesSQLiRuleSet"));
  });

  it("WAF logs to an encrypted aws-waf-logs-* group with the Authorization header redacted", () => {
    assert.equal(wafLogGroupName(naming), "aws-waf-logs-fastcart-waf-ec");
    const group = one("aws:cloudwatch/logGroup:LogGroup", "fastcart-waf-logs-ec");
    assert.deepEqual(
      [group.inputs["name"], group.inputs["kmsKeyId"], group.inputs["retentionInDays"]],
      ["aws-waf-logs-fastcart-waf-ec", keyArn, 90],
    );
    const logging = one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs;
    assert.equal(logging["resourceArn"], one("aws:wafv2/webAcl:WebAcl").state["arn"]);
    assert.deepEqual(logging["logDestinationConfigs"], [group.state["arn"]]);
    assert.deepEqual(logging["redactedFields"], [{ singleHeader: { name: "authorization" } }]);
  });

  it("tags and parents every resource", () => {
    const created = createdWithSuffix(harness, "ec");
    assertParentedTo(harness, created, "fastcart:components:Edge");
    for (const r of created.filter((r) => isTaggable(r.type))) assertTagged(r, naming);
  });
});
