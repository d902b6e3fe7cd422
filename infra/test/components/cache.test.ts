import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Cache } from "../../src/components/cache.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { CACHE_DEFAULTS } from "../support/component-defaults.js";
import { installMocks, type MockHarness, resolve, unwrapSecret } from "../support/mocks.js";

const naming = { environmentSuffix: "ca", stackName: "unit" };
const keyArn = "arn:aws:kms:eu-central-1:123456789012:key/k";

describe("Cache", () => {
  let harness: MockHarness;
  let cache: Cache;
  before(async () => {
    harness = await installMocks("eu-central-1");
    cache = new Cache("fastcart-cache-ca", {
      ...CACHE_DEFAULTS,
      naming,
      subnetIds: ["subnet-a", "subnet-b"],
      securityGroupId: "sg-redis",
      kmsKeyArn: keyArn,
      authToken: "token-value",
    });
    await resolve(cache.primaryEndpoint);
    await harness.settle();
  });

  it("is a 2-node Redis 7 replication group, encrypted at rest (stack key) and in transit, with AUTH and failover", () => {
    const group = harness.one("aws:elasticache/replicationGroup:ReplicationGroup");
    const i = group.inputs;
    assert.equal(i["replicationGroupId"], "fastcart-redis-ca");
    assert.equal(i["engine"], "redis");
    assert.equal(i["engineVersion"], CACHE_DEFAULTS.engineVersion);
    assert.equal(i["numCacheClusters"], CACHE_DEFAULTS.nodes);
    assert.equal(i["nodeType"], CACHE_DEFAULTS.nodeType);
    assert.equal(i["atRestEncryptionEnabled"], true);
    assert.equal(i["kmsKeyId"], keyArn);
    assert.equal(i["transitEncryptionEnabled"], true);
    assert.deepEqual(
      unwrapSecret(i["authToken"]),
      { secret: true, value: "token-value" },
      "AUTH token, as a secret",
    );
    assert.equal(i["automaticFailoverEnabled"], true);
    assert.equal(i["multiAzEnabled"], true);
    assert.deepEqual(i["securityGroupIds"], ["sg-redis"]);
    assert.equal(i["subnetGroupName"], "fastcart-redis-subnets-ca");
    assertTagged(group, naming);
  });

  it("places nodes in the private subnets given", () => {
    assert.deepEqual(harness.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"], [
      "subnet-a",
      "subnet-b",
    ]);
  });

  it("is parented to the component and exports the primary endpoint and port", async () => {
    assertParentedTo(harness, createdWithSuffix(harness, "ca"), "fastcart:components:Cache");
    assert.match(await resolve(cache.primaryEndpoint), /^master\.fastcart-redis-ca\./);
    assert.equal(cache.port, 6379);
  });
});
