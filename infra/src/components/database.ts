import type { DbEngine } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseEngine } from "../config.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** Log types each engine exports to CloudWatch Logs (the log groups are created here first, encrypted). */
export const DATABASE_LOG_EXPORTS: Readonly<Record<DatabaseEngine, readonly string[]>> = {
  postgres: ["postgresql", "upgrade"],
  "aurora-mysql": ["audit", "error", "slowquery"],
};

/** Port per engine. */
export const DATABASE_PORTS: Readonly<Record<DatabaseEngine, number>> = {
  postgres: 5432,
  "aurora-mysql": 3306,
};

/** The service's DB_ENGINE value per infrastructure engine. */
export const SERVICE_DB_ENGINE: Readonly<Record<DatabaseEngine, DbEngine>> = {
  postgres: "postgres",
  "aurora-mysql": "mysql",
};

/** Master user name; its password lives only in the RDS-managed secret. */
export const MASTER_USERNAME = "fastcart_admin";

export interface DatabaseArgs {
  readonly naming: Naming;
  /** `postgres` (one RDS instance) or `aurora-mysql` (cluster with writer + readers). */
  readonly engine: DatabaseEngine;
  /** Private subnets for the DB subnet group. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** Security group admitting the service only. */
  readonly securityGroupId: pulumi.Input<string>;
  /** AZ names in order: Aurora puts the writer in the first, readers in the next ones. */
  readonly availabilityZones: pulumi.Input<string[]>;
  /** Number of AZs in use (reader placement wraps around them). */
  readonly azCount: number;
  /** Customer-managed key: storage, master secret and log groups. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Database created at launch. Default `fastcart`. */
  readonly dbName?: string;
  /** PostgreSQL version (postgres). Default 15.15. */
  readonly postgresEngineVersion?: string;
  /** Instance class (postgres). Default db.t3.micro. */
  readonly postgresInstanceClass?: string;
  /** gp3 storage in GiB (postgres). Default 20. */
  readonly allocatedStorageGb?: number;
  /** Standby in a second AZ (postgres). Default false. */
  readonly multiAz?: boolean;
  /** Aurora MySQL version. Default 8.0.mysql_aurora.3.10.3. */
  readonly auroraEngineVersion?: string;
  /** Aurora instance class. Default db.t3.medium. */
  readonly auroraInstanceClass?: string;
  /** Aurora readers. Default 1. */
  readonly auroraReaderCount?: number;
  /** Backup retention days. Default 7. */
  readonly backupRetentionDays?: number;
  /** RDS refuses to delete the database while set. Default true (production data). */
  readonly deletionProtection?: boolean;
  /** Default false: destroying takes the final snapshot `<identifier>-final` first. */
  readonly skipFinalSnapshot?: boolean;
  /** Performance Insights on the Aurora instances, encrypted with kmsKeyArn; unset: off. */
  readonly performanceInsights?: { readonly retentionDays: number };
  /** Rotation interval of the managed master secret. Default 30. */
  readonly secretRotationDays?: number;
  /** Retention of the exported log groups. Default 7. */
  readonly logRetentionDays?: number;
}

/**
 * The order database. Credentials are RDS-managed (`manageMasterUserPassword`): RDS creates the master
 * secret in Secrets Manager, encrypted with the stack key, and a `SecretRotation` sets its automatic
 * rotation interval (AWS accepts rotation rules on RDS-managed secrets without a Lambda). TLS is forced
 * by a parameter group (`rds.force_ssl` / `require_secure_transport`); the service sets DB_TLS=true.
 * IAM database authentication is on, so the application user signs in with a token instead of a
 * password (`rds-db:connect` on `resourceId`). Production data is protected by default: deletion
 * protection and a final snapshot; a destroyable stack turns both off explicitly.
 */
export class Database extends pulumi.ComponentResource {
  readonly engine: DatabaseEngine;
  /** Writer host name (no port). */
  readonly address: pulumi.Output<string>;
  /** Writer endpoint as RDS reports it (instance: host:port; cluster: host). */
  readonly endpoint: pulumi.Output<string>;
  /** Aurora reader endpoint; undefined for postgres. */
  readonly readerEndpoint: pulumi.Output<string> | undefined;
  readonly port: number;
  /** DB instance identifier (postgres) or cluster identifier (aurora): the CloudWatch dimension value. */
  readonly identifier: pulumi.Output<string>;
  /** CloudWatch dimension name for `identifier`. */
  readonly metricDimension: "DBInstanceIdentifier" | "DBClusterIdentifier";
  /** ARN of the RDS-managed master user secret (JSON with `username` and `password`). */
  readonly masterSecretArn: pulumi.Output<string>;
  /**
   * The id `rds-db:connect` names (`arn:aws:rds-db:<region>:<account>:dbuser:<resourceId>/<user>`): the
   * instance's DbiResourceId (`db-…`) or the cluster's resource id (`cluster-…`).
   */
  readonly resourceId: pulumi.Output<string>;
  readonly instance: aws.rds.Instance | undefined;
  readonly cluster: aws.rds.Cluster | undefined;
  readonly clusterInstances: aws.rds.ClusterInstance[] = [];

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Database", name, {}, opts);
    const { naming, engine } = args;
    const parent = { parent: this };
    this.engine = engine;
    this.port = DATABASE_PORTS[engine];
    const logExports = [...DATABASE_LOG_EXPORTS[engine]];
    const logRetention = args.logRetentionDays ?? 7;
    const backupRetentionPeriod = args.backupRetentionDays ?? 7;
    const deletionProtection = args.deletionProtection ?? true;
    const skipFinalSnapshot = args.skipFinalSnapshot ?? false;
    const dbName = args.dbName ?? "fastcart";

    const subnetGroupName = resourceName(naming, "db-subnets");
    const subnetGroup = new aws.rds.SubnetGroup(
      subnetGroupName,
      {
        name: subnetGroupName,
        description: "FastCart database: private subnets",
        subnetIds: args.subnetIds,
        tags: resourceTags(naming, subnetGroupName),
      },
      parent,
    );

    // RDS writes exported logs to these names; creating them first gives them retention and the CMK.
    const logGroups = (prefix: string) =>
      logExports.map((type) => {
        const logGroupName = `${prefix}/${type}`;
        return new aws.cloudwatch.LogGroup(
          resourceName(naming, `db-log-${type}`),
          {
            name: logGroupName,
            retentionInDays: logRetention,
            kmsKeyId: args.kmsKeyArn,
            tags: resourceTags(naming, logGroupName),
          },
          parent,
        );
      });

    if (engine === "postgres") {
      const identifier = resourceName(naming, "rds");
      const version = args.postgresEngineVersion ?? "15.15";
      const parameterGroupName = resourceName(naming, "pg-params");
      const parameterGroup = new aws.rds.ParameterGroup(
        parameterGroupName,
        {
          name: parameterGroupName,
          family: `postgres${version.split(".")[0]}`,
          description: "FastCart PostgreSQL: TLS required",
          parameters: [{ name: "rds.force_ssl", value: "1" }],
          tags: resourceTags(naming, parameterGroupName),
        },
        parent,
      );
      const instance = new aws.rds.Instance(
        identifier,
        {
          identifier,
          engine: "postgres",
          engineVersion: version,
          // Pinned version: minor upgrades are a config change, never a surprise drift.
          autoMinorVersionUpgrade: false,
          instanceClass: args.postgresInstanceClass ?? "db.t3.micro",
          allocatedStorage: args.allocatedStorageGb ?? 20,
          maxAllocatedStorage: (args.allocatedStorageGb ?? 20) * 5,
          storageType: "gp3",
          storageEncrypted: true,
          kmsKeyId: args.kmsKeyArn,
          dbName,
          username: MASTER_USERNAME,
          manageMasterUserPassword: true,
          masterUserSecretKmsKeyId: args.kmsKeyArn,
          dbSubnetGroupName: subnetGroup.name,
          vpcSecurityGroupIds: [args.securityGroupId],
          parameterGroupName: parameterGroup.name,
          iamDatabaseAuthenticationEnabled: true,
          publiclyAccessible: false,
          multiAz: args.multiAz ?? false,
          backupRetentionPeriod,
          backupWindow: "02:00-03:00",
          maintenanceWindow: "sun:03:30-sun:04:30",
          enabledCloudwatchLogsExports: logExports,
          deletionProtection,
          skipFinalSnapshot,
          finalSnapshotIdentifier: skipFinalSnapshot ? undefined : `${identifier}-final`,
          copyTagsToSnapshot: true,
          applyImmediately: true,
          tags: resourceTags(naming, identifier),
        },
        { parent: this, dependsOn: logGroups(`/aws/rds/instance/${identifier}`) },
      );
      this.instance = instance;
      this.address = instance.address;
      this.endpoint = instance.endpoint;
      this.identifier = instance.identifier;
      this.metricDimension = "DBInstanceIdentifier";
      this.masterSecretArn = instance.masterUserSecrets.apply((secrets) => secrets[0]!.secretArn);
      this.resourceId = instance.resourceId;
    } else {
      const clusterId = resourceName(naming, "aurora");
      const version = args.auroraEngineVersion ?? "8.0.mysql_aurora.3.10.3";
      const parameterGroupName = resourceName(naming, "aurora-params");
      const parameterGroup = new aws.rds.ClusterParameterGroup(
        parameterGroupName,
        {
          name: parameterGroupName,
          family: "aurora-mysql8.0",
          description: "FastCart Aurora MySQL: TLS required, slow query and audit logs on",
          parameters: [
            { name: "require_secure_transport", value: "ON" },
            { name: "slow_query_log", value: "1" },
            { name: "long_query_time", value: "1" },
            { name: "server_audit_logging", value: "1" },
            { name: "server_audit_events", value: "CONNECT,QUERY_DCL,QUERY_DDL" },
          ],
          tags: resourceTags(naming, parameterGroupName),
        },
        parent,
      );
      const cluster = new aws.rds.Cluster(
        clusterId,
        {
          clusterIdentifier: clusterId,
          engine: "aurora-mysql",
          engineVersion: version,
          databaseName: dbName,
          masterUsername: MASTER_USERNAME,
          manageMasterUserPassword: true,
          masterUserSecretKmsKeyId: args.kmsKeyArn,
          storageEncrypted: true,
          kmsKeyId: args.kmsKeyArn,
          dbSubnetGroupName: subnetGroup.name,
          vpcSecurityGroupIds: [args.securityGroupId],
          dbClusterParameterGroupName: parameterGroup.name,
          iamDatabaseAuthenticationEnabled: true,
          port: this.port,
          backupRetentionPeriod,
          preferredBackupWindow: "02:00-03:00",
          preferredMaintenanceWindow: "sun:03:30-sun:04:30",
          enabledCloudwatchLogsExports: logExports,
          deletionProtection,
          skipFinalSnapshot,
          finalSnapshotIdentifier: skipFinalSnapshot ? undefined : `${clusterId}-final`,
          copyTagsToSnapshot: true,
          applyImmediately: true,
          tags: resourceTags(naming, clusterId),
        },
        { parent: this, dependsOn: logGroups(`/aws/rds/cluster/${clusterId}`) },
      );
      this.cluster = cluster;
      const instanceClass = args.auroraInstanceClass ?? "db.t3.medium";
      const readers = args.auroraReaderCount ?? 1;
      const zones = pulumi.output(args.availabilityZones);
      // Aurora sets Performance Insights per instance; the stack key encrypts what it stores.
      const insights = args.performanceInsights
        ? {
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: args.kmsKeyArn,
            performanceInsightsRetentionPeriod: args.performanceInsights.retentionDays,
          }
        : { performanceInsightsEnabled: false };
      for (let i = 0; i <= readers; i++) {
        const role = i === 0 ? "writer" : `reader-${i}`;
        const instanceId = resourceName(naming, `aurora-${role}`);
        this.clusterInstances.push(
          new aws.rds.ClusterInstance(
            instanceId,
            {
              identifier: instanceId,
              clusterIdentifier: cluster.id,
              engine: aws.rds.EngineType.AuroraMysql,
              engineVersion: cluster.engineVersion,
              instanceClass,
              // Writer in the first AZ, each reader in the next one: a reader always sits in another AZ.
              availabilityZone: zones.apply((z) => z[i % args.azCount]!),
              // The first reader is the preferred failover target.
              promotionTier: i === 0 ? 0 : 1,
              dbSubnetGroupName: subnetGroup.name,
              publiclyAccessible: false,
              // 3.10 is an LTS release: automatic minor upgrades would move it off LTS.
              autoMinorVersionUpgrade: false,
              ...insights,
              applyImmediately: true,
              tags: resourceTags(naming, instanceId, { Role: i === 0 ? "writer" : "reader" }),
            },
            parent,
          ),
        );
      }
      this.address = cluster.endpoint;
      this.endpoint = cluster.endpoint;
      this.readerEndpoint = cluster.readerEndpoint;
      this.identifier = cluster.clusterIdentifier;
      this.metricDimension = "DBClusterIdentifier";
      this.masterSecretArn = cluster.masterUserSecrets.apply((secrets) => secrets[0]!.secretArn);
      this.resourceId = cluster.clusterResourceId;
    }

    new aws.secretsmanager.SecretRotation(
      resourceName(naming, "db-secret-rotation"),
      {
        secretId: this.masterSecretArn,
        // No rotationLambdaArn: RDS rotates its managed secret itself; this only sets the schedule.
        rotationRules: { automaticallyAfterDays: args.secretRotationDays ?? 30 },
      },
      parent,
    );

    this.registerOutputs({
      endpoint: this.endpoint,
      readerEndpoint: this.readerEndpoint,
      identifier: this.identifier,
      masterSecretArn: this.masterSecretArn,
      resourceId: this.resourceId,
    });
  }
}
