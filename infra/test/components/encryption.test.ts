import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Encryption, KMS_VIA_SERVICES } from "../../src/components/encryption.js";
import {
  assertNoWildcardActions,
  assertParentedTo,
  assertTagged,
  createdWithSuffix,
  statements,
} from "../support/assertions.js";
import { installMocks, MOCK_ACCOUNT_ID, type MockHarness, resolve } from "../support/mocks.js";

const naming = { environmentSuffix: "enc", stackName: "unit" };

describe("Encryption", () => {
  let harness: MockHarness;
  let component: Encryption;
  before(async () => {
    harness = await installMocks("eu-central-1");
    component = new Encryption("fastcart-encryption-enc", {
      naming,
      region: "eu-central-1",
      accountId: MOCK_ACCOUNT_ID,
    });
    await resolve(component.keyArn);
    await harness.settle();
  });

  it("creates a rotating customer-managed key with an alias", () => {
    const key = harness.one("aws:kms/key:Key", "fastcart-kms-enc");
    assert.equal(key.inputs["enableKeyRotation"], true);
    assert.equal(key.inputs["deletionWindowInDays"], 7);
    assert.equal(key.inputs["customerMasterKeySpec"], "SYMMETRIC_DEFAULT");
    assertTagged(key, naming);
    const alias = harness.one("aws:kms/alias:Alias");
    assert.equal(alias.inputs["name"], "alias/fastcart-kms-enc");
    assert.equal(alias.inputs["targetKeyId"], harness.idOf("aws:kms/key:Key", "fastcart-kms-enc"));
  });

  it("key policy: account administers, listed services use it via kms:ViaService, logs by encryption context", () => {
    const policy = harness.one("aws:kms/key:Key").inputs["policy"];
    assertNoWildcardActions(policy);
    const bySid = Object.fromEntries(statements(policy).map((s) => [s.Sid, s]));
    const root = `arn:aws:iam::${MOCK_ACCOUNT_ID}:root`;
    assert.equal(bySid.AccountAdministersKey.Principal.AWS, root);
    assert.ok(
      !bySid.AccountAdministersKey.Action.includes("kms:Decrypt"),
      "root statement grants no data use",
    );
    assert.ok(bySid.AccountAdministersKey.Action.includes("kms:PutKeyPolicy"), "the key stays manageable");

    const via = bySid.AccountUsesKeyThroughStackServices.Condition.StringEquals["kms:ViaService"];
    for (const service of ["secretsmanager", "rds", "elasticache", "kinesis", "ecr"]) {
      assert.ok(via.includes(`${service}.eu-central-1.amazonaws.com`), `${service} may use the key`);
    }
    assert.equal(via.length, KMS_VIA_SERVICES.length);
    assert.equal(
      bySid.AccountUsesKeyThroughStackServices.Condition.StringEquals["kms:CallerAccount"],
      MOCK_ACCOUNT_ID,
    );
    assert.equal(
      bySid.StackServicesCreateGrantsForTheirResources.Condition.Bool["kms:GrantIsForAWSResource"],
      "true",
    );

    const logs = bySid.CloudWatchLogsEncryptsStackLogGroups;
    assert.equal(logs.Principal.Service, "logs.eu-central-1.amazonaws.com");
    assert.deepEqual(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], [
      `arn:aws:logs:eu-central-1:${MOCK_ACCOUNT_ID}:log-group:/ecs/fastcart-*`,
      `arn:aws:logs:eu-central-1:${MOCK_ACCOUNT_ID}:log-group:/aws/rds/*`,
      // The VPC flow log and WAF log groups by exact name.
      `arn:aws:logs:eu-central-1:${MOCK_ACCOUNT_ID}:log-group:/vpc/fastcart-flow-logs-enc`,
      `arn:aws:logs:eu-central-1:${MOCK_ACCOUNT_ID}:log-group:aws-waf-logs-fastcart-waf-enc`,
    ]);
    assert.equal(bySid.CloudWatchAlarmsPublishToEncryptedTopic.Principal.Service, "cloudwatch.amazonaws.com");
    for (const statement of statements(policy))
      assert.equal(statement.Resource, "*", "key policies name the key as *");
  });

  it("parents its children to the component and exports the key", async () => {
    assertParentedTo(harness, createdWithSuffix(harness, "enc"), "fastcart:components:Encryption");
    assert.equal(await resolve(component.keyId), harness.idOf("aws:kms/key:Key", "fastcart-kms-enc"));
  });
});
