import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { flowLogGroupName } from "../../src/components/flow-logs.js";
import { Network } from "../../src/components/network.js";
import { isTaggable } from "../../src/policies/tagging.js";
import { assertParentedTo, assertTagged, createdWithSuffix, statements } from "../support/assertions.js";
import { installMocks, json, MOCK_ACCOUNT_ID, type MockHarness, resolve } from "../support/mocks.js";

const naming = { environmentSuffix: "fl", stackName: "unit" };
const keyArn = `arn:aws:kms:eu-central-1:${MOCK_ACCOUNT_ID}:key/k`;

describe("VPC flow logs", () => {
  let harness: MockHarness;
  let network: Network;
  let without: Network;
  before(async () => {
    harness = await installMocks("eu-central-1");
    const common = {
      cidr: "10.0.0.0/16",
      availabilityZones: ["eu-central-1a", "eu-central-1b"],
      azCount: 2,
      containerPort: 3000,
      databasePort: 5432,
    };
    network = new Network("fastcart-network-fl", {
      naming,
      ...common,
      flowLogs: {
        region: "eu-central-1",
        accountId: MOCK_ACCOUNT_ID,
        kmsKeyArn: keyArn,
        retentionDays: 30,
        trafficType: "REJECT",
      },
    });
    without = new Network("fastcart-network-nofl", {
      naming: { environmentSuffix: "nofl", stackName: "unit" },
      ...common,
    });
    await resolve(network.vpcId);
    await harness.settle();
  });

  it("records the VPC's flows into a log group encrypted with the stack key, retention a setting", () => {
    const flowLog = harness.one("aws:ec2/flowLog:FlowLog", "fastcart-flow-log-fl").inputs;
    const group = harness.one("aws:cloudwatch/logGroup:LogGroup", "fastcart-flow-logs-fl");
    assert.equal(flowLog["vpcId"], harness.idOf("aws:ec2/vpc:Vpc", "fastcart-vpc-fl"));
    assert.deepEqual(
      [flowLog["trafficType"], flowLog["logDestinationType"], flowLog["logDestination"]],
      ["REJECT", "cloud-watch-logs", group.state["arn"]],
    );
    assert.deepEqual(
      [group.inputs["name"], group.inputs["kmsKeyId"], group.inputs["retentionInDays"]],
      [flowLogGroupName(naming), keyArn, 30],
    );
    assert.equal(flowLogGroupName(naming), "/vpc/fastcart-flow-logs-fl");
    assert.ok(network.flowLog);
    assert.equal(without.flowLog, undefined);
    assert.equal(harness.ofType("aws:ec2/flowLog:FlowLog").length, 1, "no flow log when not configured");
  });

  it("publishes through a role only the flow-logs service of this account may assume, for its own flow logs", () => {
    const role = harness.one("aws:iam/role:Role", "fastcart-flow-logs-role-fl");
    assert.equal(harness.one("aws:ec2/flowLog:FlowLog").inputs["iamRoleArn"], role.state["arn"]);
    const [trust] = statements(role.inputs["assumeRolePolicy"]);
    assert.deepEqual(trust.Principal, { Service: "vpc-flow-logs.amazonaws.com" });
    assert.equal(trust.Action, "sts:AssumeRole");
    assert.deepEqual(trust.Condition, {
      StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
      ArnLike: { "aws:SourceArn": `arn:aws:ec2:eu-central-1:${MOCK_ACCOUNT_ID}:vpc-flow-log/*` },
    });
  });

  it("the role writes only to the flow log group (DescribeLogGroups, a list call, on *)", () => {
    const policy = harness.one("aws:iam/rolePolicy:RolePolicy", "fastcart-flow-logs-publish-fl").inputs;
    assert.equal(policy["role"], harness.idOf("aws:iam/role:Role", "fastcart-flow-logs-role-fl"));
    const groupArn = harness.arnOf("aws:cloudwatch/logGroup:LogGroup", "fastcart-flow-logs-fl");
    const [publish, describe] = json(policy["policy"]).Statement;
    assert.deepEqual(publish.Action, [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]);
    assert.deepEqual(publish.Resource, [groupArn, `${groupArn}:*`]);
    assert.deepEqual([describe.Action, describe.Resource], [["logs:DescribeLogGroups"], "*"]);
  });

  it("tags and parents the flow-log resources", () => {
    const created = createdWithSuffix(harness, "fl").filter((r) => /flow-log/.test(r.name));
    assert.equal(created.length, 4);
    assertParentedTo(harness, created, "fastcart:components:Network");
    for (const r of created.filter((r) => isTaggable(r.type))) assertTagged(r, naming);
  });
});
