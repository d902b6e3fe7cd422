/** RDS and ElastiCache (query protocol, XML): instances, Aurora clusters, replication groups. */
import type { DeployedResource, StandInAccount } from "./account.js";
import { AwsFault, type Params, queryReply, type Reply } from "./protocols.js";

const RDS_NS = "http://rds.amazonaws.com/doc/2014-10-31/";
const RDS_ITEMS = {
  DBInstances: "DBInstance",
  DBClusters: "DBCluster",
  DBClusterMembers: "DBClusterMember",
  VpcSecurityGroups: "VpcSecurityGroupMembership",
};

function masterSecret(resource: DeployedResource) {
  const [secret] =
    (resource.attributes["masterUserSecrets"] as { secretArn: string; kmsKeyId: string }[] | undefined) ?? [];
  return secret && { SecretArn: secret.secretArn, SecretStatus: "active", KmsKeyId: secret.kmsKeyId };
}

function instanceView(account: StandInAccount, instance: DeployedResource) {
  const i = instance.inputs;
  const cluster = account.find("aws:rds/cluster:Cluster", "clusterIdentifier", i["clusterIdentifier"]);
  const c = cluster?.inputs ?? {};
  return {
    DBInstanceIdentifier: i["identifier"],
    DBInstanceStatus: i["status"] ?? "available",
    Engine: i["engine"],
    EngineVersion: i["engineVersion"],
    DBInstanceClass: i["instanceClass"],
    StorageEncrypted: i["storageEncrypted"] ?? c["storageEncrypted"] ?? false,
    KmsKeyId: i["kmsKeyId"] ?? c["kmsKeyId"],
    PubliclyAccessible: i["publiclyAccessible"] ?? false,
    MultiAZ: i["multiAz"] ?? false,
    BackupRetentionPeriod: i["backupRetentionPeriod"] ?? c["backupRetentionPeriod"] ?? 1,
    DeletionProtection: i["deletionProtection"] ?? false,
    AvailabilityZone: i["availabilityZone"] ?? `${account.region}a`,
    DBSubnetGroup: { DBSubnetGroupName: i["dbSubnetGroupName"] },
    IAMDatabaseAuthenticationEnabled: i["iamDatabaseAuthenticationEnabled"] ?? false,
    MasterUserSecret: masterSecret(instance),
    DBClusterIdentifier: i["clusterIdentifier"],
    Endpoint: {
      Address: instance.attributes["address"] ?? instance.attributes["endpoint"],
      Port: instance.attributes["port"],
    },
  };
}

function clusterView(account: StandInAccount, cluster: DeployedResource) {
  const c = cluster.inputs;
  const members = account
    .all("aws:rds/clusterInstance:ClusterInstance")
    .filter((m) => m.inputs["clusterIdentifier"] === c["clusterIdentifier"]);
  const zones = new Set(members.map((m) => m.inputs["availabilityZone"]));
  return {
    DBClusterIdentifier: c["clusterIdentifier"],
    Status: "available",
    Engine: c["engine"],
    EngineVersion: c["engineVersion"],
    StorageEncrypted: c["storageEncrypted"] ?? false,
    KmsKeyId: c["kmsKeyId"],
    BackupRetentionPeriod: c["backupRetentionPeriod"] ?? 1,
    DeletionProtection: c["deletionProtection"] ?? false,
    MultiAZ: zones.size > 1,
    IAMDatabaseAuthenticationEnabled: c["iamDatabaseAuthenticationEnabled"] ?? false,
    MasterUserSecret: masterSecret(cluster),
    DBClusterMembers: members.map((m) => ({
      DBInstanceIdentifier: m.inputs["identifier"],
      IsClusterWriter: m.inputs["promotionTier"] === 0,
    })),
    Endpoint: cluster.attributes["endpoint"],
    ReaderEndpoint: cluster.attributes["readerEndpoint"],
  };
}

export function rds(account: StandInAccount, action: string, params: Params): Reply {
  if (action === "DescribeDBInstances") {
    const wanted = params.get("DBInstanceIdentifier");
    const instances = [
      ...account.all("aws:rds/instance:Instance"),
      ...account.all("aws:rds/clusterInstance:ClusterInstance"),
    ].filter((i) => wanted === null || i.inputs["identifier"] === wanted);
    if (instances.length === 0)
      throw new AwsFault("DBInstanceNotFound", `DBInstance ${wanted} not found.`, 404);
    return queryReply(
      action,
      RDS_NS,
      { DBInstances: instances.map((i) => instanceView(account, i)) },
      RDS_ITEMS,
    );
  }
  if (action === "DescribeDBClusters") {
    const wanted = params.get("DBClusterIdentifier");
    const clusters = account
      .all("aws:rds/cluster:Cluster")
      .filter((c) => wanted === null || c.inputs["clusterIdentifier"] === wanted);
    if (clusters.length === 0)
      throw new AwsFault("DBClusterNotFoundFault", `DBCluster ${wanted} not found.`, 404);
    return queryReply(
      action,
      RDS_NS,
      { DBClusters: clusters.map((c) => clusterView(account, c)) },
      RDS_ITEMS,
    );
  }
  throw new AwsFault("InvalidAction", `the stand-in does not answer RDS ${action}`);
}

export function elastiCache(account: StandInAccount, action: string, params: Params): Reply {
  if (action !== "DescribeReplicationGroups")
    throw new AwsFault("InvalidAction", `the stand-in does not answer ElastiCache ${action}`);
  const wanted = params.get("ReplicationGroupId");
  const groups = account
    .all("aws:elasticache/replicationGroup:ReplicationGroup")
    .filter((g) => wanted === null || g.inputs["replicationGroupId"] === wanted);
  if (groups.length === 0)
    throw new AwsFault("ReplicationGroupNotFoundFault", `ReplicationGroup ${wanted} not found.`, 404);
  const view = groups.map((g) => {
    const i = g.inputs;
    const nodes = Number(i["numCacheClusters"] ?? 1);
    return {
      ReplicationGroupId: i["replicationGroupId"],
      Status: "available",
      AtRestEncryptionEnabled: i["atRestEncryptionEnabled"] ?? false,
      TransitEncryptionEnabled: i["transitEncryptionEnabled"] ?? false,
      AuthTokenEnabled: i["authToken"] !== undefined,
      AutomaticFailover: i["automaticFailoverEnabled"] === true ? "enabled" : "disabled",
      MultiAZ: i["multiAzEnabled"] === true ? "enabled" : "disabled",
      CacheNodeType: i["nodeType"],
      KmsKeyId: i["kmsKeyId"],
      MemberClusters: Array.from({ length: nodes }, (_, n) => `${i["replicationGroupId"]}-00${n + 1}`),
      NodeGroups: [
        {
          NodeGroupId: "0001",
          Status: "available",
          PrimaryEndpoint: { Address: g.attributes["primaryEndpointAddress"], Port: i["port"] ?? 6379 },
        },
      ],
    };
  });
  return queryReply(
    action,
    "http://elasticache.amazonaws.com/doc/2015-02-02/",
    { ReplicationGroups: view },
    {
      ReplicationGroups: "ReplicationGroup",
      MemberClusters: "ClusterId",
      NodeGroups: "NodeGroup",
    },
  );
}
