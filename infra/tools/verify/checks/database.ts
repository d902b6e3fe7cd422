/**
 * The database: RDS PostgreSQL (an instance) or Aurora MySQL (a cluster and its instances) — available,
 * encrypted with the stack's key, private, backed up and spread over AZs as planned; IAM database
 * authentication as planned.
 */
import {
  type DBCluster,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
} from "@aws-sdk/client-rds";
import type { PlanResource } from "../../../src/plan/types.js";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check, CheckContext, Findings } from "../types.js";
import { found, matchesOutput } from "./support.js";

export const DB_INSTANCE = "aws:rds/instance:Instance";
export const DB_CLUSTER = "aws:rds/cluster:Cluster";
const CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";

export async function describeInstance({ aws }: CheckContext, identifier: string): Promise<DBInstance> {
  const { DBInstances } = await aws.send(
    aws.rds,
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }),
  );
  return found(DBInstances?.[0], `DB instance ${identifier}`);
}

export async function describeCluster({ aws }: CheckContext, identifier: string): Promise<DBCluster> {
  const { DBClusters } = await aws.send(
    aws.rds,
    new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }),
  );
  return found(DBClusters?.[0], `DB cluster ${identifier}`);
}

/** Settings an instance and a cluster share, under the same names in the plan and the API. */
function commonSettings(
  context: CheckContext,
  planned: PlanResource,
  live: DBInstance | DBCluster,
  findings: Findings,
): void {
  findings.equal("engine", inputAt(planned, "engine"), live.Engine);
  findings.equal("engineVersion", inputAt(planned, "engineVersion"), live.EngineVersion);
  findings.equal("storageEncrypted", inputAt(planned, "storageEncrypted") ?? false, live.StorageEncrypted);
  findings.equal("kmsKeyId", context.translate.live(inputAt(planned, "kmsKeyId")), live.KmsKeyId);
  findings.equal(
    "backupRetentionPeriod",
    inputAt(planned, "backupRetentionPeriod") ?? 1,
    live.BackupRetentionPeriod,
  );
  findings.equal(
    "deletionProtection",
    inputAt(planned, "deletionProtection") ?? false,
    live.DeletionProtection,
  );
}

export const rdsInstance: Check = {
  id: "rds-instance",
  title: "the RDS instance is available, encrypted, private, backed up and (single/multi-AZ) as planned",
  appliesTo: (plan) => plan.has(DB_INSTANCE),
  async run(context, findings) {
    const planned = context.plan.one(DB_INSTANCE);
    const live = await describeInstance(context, stringInput(planned, "identifier"));
    findings.equal("status", "available", live.DBInstanceStatus);
    commonSettings(context, planned, live, findings);
    findings.equal("instanceClass", inputAt(planned, "instanceClass"), live.DBInstanceClass);
    findings.equal(
      "publiclyAccessible",
      inputAt(planned, "publiclyAccessible") ?? false,
      live.PubliclyAccessible,
    );
    findings.equal("multiAz", inputAt(planned, "multiAz") ?? false, live.MultiAZ);
    findings.equal(
      "dbSubnetGroupName",
      inputAt(planned, "dbSubnetGroupName"),
      live.DBSubnetGroup?.DBSubnetGroupName,
    );
    if (inputAt(planned, "manageMasterUserPassword") === true) {
      findings.that(
        "master user secret",
        live.MasterUserSecret?.SecretArn !== undefined,
        "managed by RDS",
        "none",
      );
    }
    matchesOutput(context, findings, "rds_instance_id", live.DBInstanceIdentifier);
    matchesOutput(
      context,
      findings,
      "rds_endpoint",
      live.Endpoint && `${live.Endpoint.Address}:${live.Endpoint.Port}`,
    );
    findings.note(
      `${live.DBInstanceIdentifier} ${live.Engine} ${live.EngineVersion} in ${live.AvailabilityZone}`,
    );
  },
};

export const auroraCluster: Check = {
  id: "aurora-cluster",
  title:
    "the Aurora cluster is available and encrypted, its writer and readers private and in the planned AZs",
  appliesTo: (plan) => plan.has(DB_CLUSTER),
  async run(context, findings) {
    const { plan } = context;
    const planned = plan.one(DB_CLUSTER);
    const live = await describeCluster(context, stringInput(planned, "clusterIdentifier"));
    findings.equal("status", "available", live.Status);
    commonSettings(context, planned, live, findings);
    const instances = plan.all(CLUSTER_INSTANCE);
    const zones = new Set(instances.map((instance) => inputAt(instance, "availabilityZone")));
    findings.equal("multiAZ", zones.size > 1, live.MultiAZ);
    findings.equal("cluster members", instances.length, live.DBClusterMembers?.length ?? 0);
    for (const instance of instances) {
      const id = stringInput(instance, "identifier");
      const member = live.DBClusterMembers?.find((m) => m.DBInstanceIdentifier === id);
      const writer = inputAt(instance, "promotionTier") === 0;
      findings.equal(
        `${id} role`,
        writer ? "writer" : "reader",
        member && (member.IsClusterWriter ? "writer" : "reader"),
      );
      const liveInstance = await describeInstance(context, id);
      findings.equal(`${id} status`, "available", liveInstance.DBInstanceStatus);
      findings.equal(
        `${id} publiclyAccessible`,
        inputAt(instance, "publiclyAccessible") ?? false,
        liveInstance.PubliclyAccessible,
      );
      findings.equal(
        `${id} availabilityZone`,
        inputAt(instance, "availabilityZone"),
        liveInstance.AvailabilityZone,
      );
      findings.equal(`${id} instanceClass`, inputAt(instance, "instanceClass"), liveInstance.DBInstanceClass);
    }
    matchesOutput(context, findings, "rdsClusterEndpoint", live.Endpoint);
    matchesOutput(context, findings, "rdsReaderEndpoint", live.ReaderEndpoint);
    findings.note(`${live.DBClusterIdentifier}: ${instances.length} instance(s) in ${zones.size} AZ(s)`);
  },
};

/** The plan's database resource that states IAM authentication, if any. */
function plannedIamAuth(context: Pick<CheckContext, "plan">): PlanResource | undefined {
  const { plan } = context;
  return [...plan.all(DB_INSTANCE), ...plan.all(DB_CLUSTER)].find(
    (resource) => inputAt(resource, "iamDatabaseAuthenticationEnabled") !== undefined,
  );
}

export const iamDatabaseAuth: Check = {
  id: "iam-database-auth",
  title: "IAM database authentication is enabled on the database as planned",
  appliesTo: (plan) => plannedIamAuth({ plan }) !== undefined,
  async run(context, findings) {
    const planned = found(
      plannedIamAuth(context),
      "a database with iamDatabaseAuthenticationEnabled in the plan",
    );
    const expected = inputAt(planned, "iamDatabaseAuthenticationEnabled");
    const live =
      planned.type === DB_CLUSTER
        ? await describeCluster(context, stringInput(planned, "clusterIdentifier"))
        : await describeInstance(context, stringInput(planned, "identifier"));
    findings.equal("iamDatabaseAuthenticationEnabled", expected, live.IAMDatabaseAuthenticationEnabled);
  },
};
