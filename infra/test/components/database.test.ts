import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Database, MASTER_USERNAME } from "../../src/components/database.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { installMocks, type MockHarness, resolve } from "../support/mocks.js";

const pg = { environmentSuffix: "pg", stackName: "unit" };
const au = { environmentSuffix: "au", stackName: "unit" };
const keyArn = "arn:aws:kms:us-east-1:123456789012:key/k";
const zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
const common = {
  subnetIds: ["s1", "s2", "s3"],
  securityGroupId: "sg-db",
  availabilityZones: zones,
  kmsKeyArn: keyArn,
};

describe("Database", () => {
  let harness: MockHarness;
  let postgres: Database;
  let aurora: Database;
  before(async () => {
    harness = await installMocks("us-east-1");
    postgres = new Database("fastcart-database-pg", {
      naming: pg,
      engine: "postgres",
      azCount: 2,
      ...common,
    });
    aurora = new Database("fastcart-database-au", {
      naming: au,
      engine: "aurora-mysql",
      azCount: 3,
      auroraReaderCount: 2,
      auroraInstanceClass: "db.r6g.large",
      skipFinalSnapshot: false,
      deletionProtection: true,
      secretRotationDays: 14,
      ...common,
    });
    await resolve(aurora.masterSecretArn);
    await resolve(postgres.masterSecretArn);
    await harness.settle();
  });

  describe("postgres", () => {
    it("is an encrypted, private, single-AZ PostgreSQL 15 db.t3.micro with 7-day backups and log exports", () => {
      const db = harness.one("aws:rds/instance:Instance", "fastcart-rds-pg").inputs;
      assert.equal(db["engine"], "postgres");
      assert.match(db["engineVersion"], /^15\.\d+$/);
      assert.notEqual(db["engineVersion"], "15.4", "15.4 is retired on RDS");
      assert.equal(db["instanceClass"], "db.t3.micro");
      assert.equal(db["storageEncrypted"], true);
      assert.equal(db["kmsKeyId"], keyArn);
      assert.equal(db["backupRetentionPeriod"], 7);
      assert.deepEqual(db["enabledCloudwatchLogsExports"], ["postgresql", "upgrade"]);
      assert.equal(db["multiAz"], false);
      // Defaults protect production data; the destroyable stack turns both off in its stack file.
      assert.equal(db["deletionProtection"], true);
      assert.equal(db["skipFinalSnapshot"], false);
      assert.equal(db["finalSnapshotIdentifier"], "fastcart-rds-pg-final");
      assert.equal(db["publiclyAccessible"], false);
      assert.deepEqual(db["vpcSecurityGroupIds"], ["sg-db"]);
      assert.equal(db["dbSubnetGroupName"], "fastcart-db-subnets-pg");
      assert.equal(db["dbName"], "fastcart");
      assert.equal(db["password"], undefined, "no password in the program or state");
    });

    it("lets RDS manage the master password in a KMS-encrypted secret rotated every 30 days", async () => {
      const db = harness.one("aws:rds/instance:Instance", "fastcart-rds-pg").inputs;
      assert.equal(db["manageMasterUserPassword"], true);
      assert.equal(db["masterUserSecretKmsKeyId"], keyArn);
      assert.equal(db["username"], MASTER_USERNAME);
      const rotation = harness.one(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "fastcart-db-secret-rotation-pg",
      ).inputs;
      const secretArn = await resolve(postgres.masterSecretArn);
      assert.match(secretArn, /:secret:rds!db-/);
      assert.equal(rotation["secretId"], secretArn);
      assert.deepEqual(rotation["rotationRules"], { automaticallyAfterDays: 30 });
      assert.equal(rotation["rotationLambdaArn"], undefined, "RDS rotates its own managed secret");
    });

    it("forces TLS and pre-creates the exported log groups with retention and the stack key", () => {
      const params = harness.one("aws:rds/parameterGroup:ParameterGroup", "fastcart-pg-params-pg").inputs;
      assert.equal(params["family"], "postgres15");
      assert.deepEqual(params["parameters"], [{ name: "rds.force_ssl", value: "1" }]);
      const groups = harness.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => g.name.endsWith("-pg"));
      assert.deepEqual(groups.map((g) => g.inputs["name"]).sort(), [
        "/aws/rds/instance/fastcart-rds-pg/postgresql",
        "/aws/rds/instance/fastcart-rds-pg/upgrade",
      ]);
      for (const g of groups)
        assert.deepEqual([g.inputs["retentionInDays"], g.inputs["kmsKeyId"]], [7, keyArn]);
    });

    it("exposes host, endpoint, port and the instance dimension for alarms", async () => {
      const address = harness.one("aws:rds/instance:Instance", "fastcart-rds-pg").state["address"];
      assert.match(address, /^fastcart-rds-pg\.[0-9a-f]+\.us-east-1\.rds\.amazonaws\.com$/);
      assert.equal(await resolve(postgres.address), address);
      assert.equal(await resolve(postgres.endpoint), `${address}:5432`);
      assert.equal(postgres.port, 5432);
      assert.equal(postgres.metricDimension, "DBInstanceIdentifier");
      assert.equal(postgres.readerEndpoint, undefined);
      assert.equal(await resolve(postgres.identifier), "fastcart-rds-pg");
    });
  });

  describe("aurora-mysql", () => {
    it("is an encrypted Aurora MySQL 3 cluster with 7-day backups, log exports and TLS required", () => {
      const c = harness.one("aws:rds/cluster:Cluster", "fastcart-aurora-au").inputs;
      assert.equal(c["engine"], "aurora-mysql");
      assert.match(c["engineVersion"], /^8\.0\.mysql_aurora\.3\./);
      assert.equal(c["storageEncrypted"], true);
      assert.equal(c["kmsKeyId"], keyArn);
      assert.equal(c["backupRetentionPeriod"], 7);
      assert.deepEqual(c["enabledCloudwatchLogsExports"], ["audit", "error", "slowquery"]);
      assert.equal(c["manageMasterUserPassword"], true);
      assert.equal(c["masterUserSecretKmsKeyId"], keyArn);
      assert.equal(c["port"], 3306);
      assert.equal(c["deletionProtection"], true);
      assert.equal(c["skipFinalSnapshot"], false);
      assert.equal(c["finalSnapshotIdentifier"], "fastcart-aurora-au-final");
      const params = harness.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs;
      assert.equal(params["family"], "aurora-mysql8.0");
      assert.ok(
        params["parameters"].some(
          (p: { name: string; value: string }) => p.name === "require_secure_transport" && p.value === "ON",
        ),
      );
    });

    it("has a writer and readers, each reader in a different AZ from the writer", () => {
      const instances = harness.ofType("aws:rds/clusterInstance:ClusterInstance");
      const byName = Object.fromEntries(instances.map((i) => [i.name, i.inputs]));
      const writer = byName["fastcart-aurora-writer-au"]!;
      assert.equal(writer["availabilityZone"], "us-east-1a");
      assert.equal(writer["promotionTier"], 0);
      assert.equal(writer["tags"].Role, "writer");
      for (const [name, az] of [
        ["fastcart-aurora-reader-1-au", "us-east-1b"],
        ["fastcart-aurora-reader-2-au", "us-east-1c"],
      ] as const) {
        const reader = byName[name]!;
        assert.equal(reader["availabilityZone"], az);
        assert.notEqual(reader["availabilityZone"], writer["availabilityZone"]);
        assert.equal(reader["tags"].Role, "reader");
      }
      for (const i of instances) {
        assert.equal(
          i.inputs["clusterIdentifier"],
          harness.idOf("aws:rds/cluster:Cluster", "fastcart-aurora-au"),
        );
        assert.equal(i.inputs["instanceClass"], "db.r6g.large");
        assert.equal(i.inputs["engine"], "aurora-mysql");
        assert.equal(i.inputs["publiclyAccessible"], false);
      }
    });

    it("rotates the cluster's managed secret on the configured schedule and exposes both endpoints", async () => {
      const rotation = harness.one(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "fastcart-db-secret-rotation-au",
      ).inputs;
      assert.match(rotation["secretId"], /:secret:rds!cluster-/);
      assert.deepEqual(rotation["rotationRules"], { automaticallyAfterDays: 14 });
      assert.match(await resolve(aurora.endpoint), /^fastcart-aurora-au\.cluster-/);
      assert.match(await resolve(aurora.readerEndpoint!), /^fastcart-aurora-au\.cluster-ro-/);
      assert.equal(aurora.metricDimension, "DBClusterIdentifier");
      const groups = harness.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => g.name.endsWith("-au"));
      assert.equal(groups.length, 3);
      assert.ok(
        groups.every((g) => String(g.inputs["name"]).startsWith("/aws/rds/cluster/fastcart-aurora-au/")),
      );
    });
  });

  it("tags and parents every resource", () => {
    for (const naming of [pg, au]) {
      const created = createdWithSuffix(harness, naming.environmentSuffix);
      assertParentedTo(harness, created, "fastcart:components:Database");
      for (const r of created.filter((r) => r.type !== "aws:secretsmanager/secretRotation:SecretRotation"))
        assertTagged(r, naming);
    }
  });
});
