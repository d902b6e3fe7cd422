/** The database's protections: deletion protection and final snapshot by default, IAM auth, Performance Insights. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Database } from "../../src/components/database.js";
import { installMocks, type MockHarness, resolve } from "../support/mocks.js";

const keyArn = "arn:aws:kms:us-east-1:123456789012:key/k";
const common = {
  subnetIds: ["s1", "s2"],
  securityGroupId: "sg-db",
  availabilityZones: ["us-east-1a", "us-east-1b"],
  azCount: 2,
  kmsKeyArn: keyArn,
};

describe("Database controls", () => {
  let harness: MockHarness;
  let postgres: Database;
  let aurora: Database;
  before(async () => {
    harness = await installMocks("us-east-1");
    // Defaults only: what a stack gets when it says nothing.
    postgres = new Database("fastcart-database-dp", {
      naming: { environmentSuffix: "dp", stackName: "unit" },
      engine: "postgres",
      ...common,
    });
    aurora = new Database("fastcart-database-da", {
      naming: { environmentSuffix: "da", stackName: "unit" },
      engine: "aurora-mysql",
      auroraReaderCount: 1,
      performanceInsights: { retentionDays: 31 },
      ...common,
    });
    new Database("fastcart-database-dd", {
      naming: { environmentSuffix: "dd", stackName: "unit" },
      engine: "aurora-mysql",
      auroraReaderCount: 1,
      deletionProtection: false,
      skipFinalSnapshot: true,
      ...common,
    });
    await resolve(aurora.resourceId);
    await harness.settle();
  });

  it("by default production data is protected: deletion protection and a final snapshot named after the database", () => {
    const instance = harness.one("aws:rds/instance:Instance", "fastcart-rds-dp").inputs;
    assert.deepEqual(
      [instance["deletionProtection"], instance["skipFinalSnapshot"], instance["finalSnapshotIdentifier"]],
      [true, false, "fastcart-rds-dp-final"],
    );
    const cluster = harness.one("aws:rds/cluster:Cluster", "fastcart-aurora-da").inputs;
    assert.deepEqual(
      [cluster["deletionProtection"], cluster["skipFinalSnapshot"], cluster["finalSnapshotIdentifier"]],
      [true, false, "fastcart-aurora-da-final"],
    );
  });

  it("a destroyable stack turns both off explicitly: no protection, no final snapshot", () => {
    const cluster = harness.one("aws:rds/cluster:Cluster", "fastcart-aurora-dd").inputs;
    assert.deepEqual(
      [cluster["deletionProtection"], cluster["skipFinalSnapshot"], cluster["finalSnapshotIdentifier"]],
      [false, true, undefined],
    );
  });

  it("IAM database authentication on the instance and the cluster; resourceId is what rds-db:connect names", async () => {
    assert.equal(
      harness.one("aws:rds/instance:Instance", "fastcart-rds-dp").inputs["iamDatabaseAuthenticationEnabled"],
      true,
    );
    assert.equal(
      harness.one("aws:rds/cluster:Cluster", "fastcart-aurora-da").inputs["iamDatabaseAuthenticationEnabled"],
      true,
    );
    const instanceId = await resolve(postgres.resourceId);
    assert.equal(instanceId, harness.one("aws:rds/instance:Instance", "fastcart-rds-dp").state["resourceId"]);
    assert.match(instanceId, /^db-[A-Z0-9]+$/);
    const clusterId = await resolve(aurora.resourceId);
    assert.equal(
      clusterId,
      harness.one("aws:rds/cluster:Cluster", "fastcart-aurora-da").state["clusterResourceId"],
    );
    assert.match(clusterId, /^cluster-[A-Z0-9]+$/);
  });

  it("Performance Insights on every Aurora instance, encrypted with the stack key, retention as configured", () => {
    const instances = harness.ofType("aws:rds/clusterInstance:ClusterInstance");
    const withInsights = instances.filter((i) => i.name.endsWith("-da"));
    assert.equal(withInsights.length, 2);
    for (const i of withInsights) {
      assert.deepEqual(
        [
          i.inputs["performanceInsightsEnabled"],
          i.inputs["performanceInsightsKmsKeyId"],
          i.inputs["performanceInsightsRetentionPeriod"],
        ],
        [true, keyArn, 31],
        i.name,
      );
    }
    for (const i of instances.filter((i) => i.name.endsWith("-dd"))) {
      assert.equal(i.inputs["performanceInsightsEnabled"], false, `${i.name}: off unless configured`);
      assert.equal(i.inputs["performanceInsightsKmsKeyId"], undefined);
    }
  });
});
