/**
 * Composes the ten components for one stack and returns its outputs. Everything stack-specific comes
 * from `StackConfig`; `createProgram` runs inside a Pulumi program (index.ts), under test mocks and in
 * the offline plan tool alike.
 */

import { CONTAINER_PORT, READY_PATH, type ServiceEnvName } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { Cache, REDIS_PORT } from "./components/cache.js";
import { Database, SERVICE_DB_ENGINE } from "./components/database.js";
import { Edge, type EdgeTls } from "./components/edge.js";
import { Encryption } from "./components/encryption.js";
import { Monitoring } from "./components/monitoring.js";
import { Network } from "./components/network.js";
import { Registry } from "./components/registry.js";
import { Secrets } from "./components/secrets.js";
import { Service } from "./components/service.js";
import { Stream } from "./components/stream.js";
import { apiHostedZoneName, type StackConfig } from "./config.js";
import type { ContainerEnvironment, ContainerSecrets } from "./containers.js";
import { imageByDigest, parseEcrRepositoryUrl } from "./image.js";
import { type Naming, resourceName } from "./naming.js";
import { createVerifierPolicy } from "./verifier-policy.js";

/** The stack's exports. */
export type StackOutputs = Record<string, pulumi.Input<unknown>>;

/** Output names of the `pipeline` profile (the fastcart-dev stack; snake_case, exactly these 16). */
export const PIPELINE_OUTPUTS = [
  "vpc_id",
  "ecs_cluster_arn",
  "kinesis_stream_name",
  "kinesis_stream_arn",
  "rds_endpoint",
  "rds_instance_id",
  "redis_endpoint",
  "redis_port",
  "ecr_repository_url",
  "kms_key_id",
  "kms_key_arn",
  "log_group_name",
  "db_secret_arn",
  "ecs_service_name",
  "private_subnet_ids",
  "public_subnet_ids",
] as const;

/** Output names of the `api` profile (the orders-api-prod stack). */
export const API_OUTPUTS = [
  "vpcId",
  "albDnsName",
  "ecsServiceArn",
  "rdsClusterEndpoint",
  "rdsReaderEndpoint",
  "ecrRepositoryUrl",
  "wafWebAclArn",
  "blueTargetGroupArn",
  "greenTargetGroupArn",
  "dashboardUrl",
] as const;

export function createProgram(config: StackConfig): StackOutputs {
  const naming: Naming = { environmentSuffix: config.environmentSuffix, stackName: config.stackName };
  const region = config.region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const zones = aws.getAvailabilityZonesOutput({ state: "available" }).names;

  const encryption = new Encryption(resourceName(naming, "encryption"), {
    naming,
    region,
    accountId,
    deletionWindowInDays: config.kmsDeletionWindowDays,
  });
  const kmsKeyArn = encryption.keyArn;

  const network = new Network(resourceName(naming, "network"), {
    naming,
    cidr: config.vpcCidr,
    availabilityZones: zones,
    azCount: config.azCount,
    natGateways: config.natGateways,
    containerPort: CONTAINER_PORT,
    databasePort: config.databaseEngine === "postgres" ? 5432 : 3306,
    albEnabled: config.albEnabled,
    albHttps: config.albEnabled && !config.allowPlainHttpInsecure,
    cacheEnabled: config.cacheEnabled,
    cachePort: REDIS_PORT,
    flowLogs: config.flowLogsEnabled
      ? {
          region,
          accountId,
          kmsKeyArn,
          retentionDays: config.flowLogsRetentionDays,
          trafficType: config.flowLogsTrafficType,
        }
      : undefined,
  });

  const secrets = new Secrets(resourceName(naming, "secrets"), {
    naming,
    kmsKeyArn,
    cacheAuthToken: config.cacheEnabled,
    recoveryWindowInDays: config.secretRecoveryWindowDays,
  });

  const stream =
    config.intakeMode === "stream"
      ? new Stream(resourceName(naming, "stream"), {
          naming,
          kmsKeyArn,
          shardCount: config.kinesisShardCount,
          retentionHours: config.kinesisRetentionHours,
        })
      : undefined;

  const database = new Database(resourceName(naming, "database"), {
    naming,
    engine: config.databaseEngine,
    subnetIds: network.privateSubnetIds,
    securityGroupId: network.databaseSecurityGroup.id,
    availabilityZones: zones,
    azCount: config.azCount,
    kmsKeyArn,
    dbName: config.dbName,
    postgresEngineVersion: config.postgresEngineVersion,
    postgresInstanceClass: config.postgresInstanceClass,
    allocatedStorageGb: config.dbAllocatedStorageGb,
    multiAz: config.dbMultiAz,
    auroraEngineVersion: config.auroraEngineVersion,
    auroraInstanceClass: config.auroraInstanceClass,
    auroraReaderCount: config.auroraReaderCount,
    backupRetentionDays: config.dbBackupRetentionDays,
    deletionProtection: config.dbDeletionProtection,
    skipFinalSnapshot: config.dbSkipFinalSnapshot,
    performanceInsights: config.auroraPerformanceInsights
      ? { retentionDays: config.performanceInsightsRetentionDays }
      : undefined,
    secretRotationDays: config.dbSecretRotationDays,
    logRetentionDays: config.logRetentionDays,
  });

  const cache =
    config.cacheEnabled && network.cacheSecurityGroup && secrets.cacheAuthToken
      ? new Cache(resourceName(naming, "cache"), {
          naming,
          subnetIds: network.privateSubnetIds,
          securityGroupId: network.cacheSecurityGroup.id,
          kmsKeyArn,
          authToken: secrets.cacheAuthToken,
          nodeType: config.cacheNodeType,
          engineVersion: config.cacheEngineVersion,
          nodes: config.cacheNodes,
        })
      : undefined;

  const registry = new Registry(resourceName(naming, "registry"), {
    naming,
    kmsKeyArn,
    keepImages: config.ecrKeepImages,
  });

  const edge =
    config.albEnabled && network.albSecurityGroup
      ? new Edge(resourceName(naming, "edge"), {
          naming,
          vpcId: network.vpcId,
          publicSubnetIds: network.publicSubnetIds,
          securityGroupId: network.albSecurityGroup.id,
          containerPort: CONTAINER_PORT,
          // Readiness, not liveness: a revision that cannot reach its database never takes traffic.
          healthPath: READY_PATH,
          tls: edgeTls(config),
          accessLogs: config.albAccessLogsEnabled
            ? { region, accountId, expirationDays: config.albAccessLogsExpirationDays }
            : undefined,
          blueGreen: config.deploymentStrategy === "blue-green",
          deregistrationDelaySeconds: config.albDeregistrationDelaySeconds,
          waf: config.wafEnabled
            ? {
                rateLimit: config.wafRateLimit,
                evaluationWindowSec: config.wafEvaluationWindowSec,
                managedRuleGroups: config.wafManagedRuleGroups,
                kmsKeyArn,
                logRetentionDays: config.wafLogRetentionDays,
              }
            : undefined,
        })
      : undefined;

  // Container environment: only names from SERVICE_ENV (typed), secrets only through `secrets`.
  const appConfig: Partial<Record<ServiceEnvName, string>> = {
    LOG_LEVEL: config.logLevel,
    WORKER_BATCH_SIZE: String(config.workerBatchSize),
    WORKER_CONCURRENCY: String(config.workerConcurrency),
  };
  // Every container: the application user authenticates with an IAM token signed by the task role
  // (DB_AUTH=iam), so no database password exists for a rotation to break; TLS is required for it.
  const environment: ContainerEnvironment = {
    FASTCART_ENVIRONMENT: config.environmentSuffix,
    INTAKE_MODE: config.intakeMode,
    METRICS_EMF: "true",
    DB_ENGINE: SERVICE_DB_ENGINE[config.databaseEngine],
    DB_HOST: database.address,
    DB_PORT: String(database.port),
    DB_NAME: config.dbName,
    DB_AUTH: "iam",
    DB_USER: config.dbAppUser,
    DB_TLS: "true",
    // The region IAM database tokens are signed for (and the stream's, in stream mode).
    AWS_REGION: region,
    ...(config.appConfigSource === "environment" ? appConfig : {}),
  };
  if (database.readerEndpoint) environment.DB_READER_HOST = database.readerEndpoint;
  if (stream) environment.KINESIS_STREAM_NAME = stream.streamName;
  if (cache) {
    environment.REDIS_HOST = cache.primaryEndpoint;
    environment.REDIS_PORT = String(cache.port);
    environment.REDIS_TLS = "true";
  }
  const serviceSecrets: ContainerSecrets = { AUTH_JWT_SECRET: secrets.jwtSecretArn };
  const serviceSecretArns: pulumi.Input<string>[] = [secrets.jwtSecretArn];
  if (cache && secrets.cacheAuthTokenSecretArn) {
    serviceSecrets.REDIS_AUTH_TOKEN = secrets.cacheAuthTokenSecretArn;
    serviceSecretArns.push(secrets.cacheAuthTokenSecretArn);
  }
  // migrate alone gets the master credentials, to run DDL and create/grant DB_USER. ECS extracts JSON
  // keys from the RDS-managed secret: <arn>:<json-key>:<version-stage>:<version-id>.
  const migrateSecrets: ContainerSecrets = {
    DB_ADMIN_USER: database.masterSecretArn.apply((arn) => `${arn}:username::`),
    DB_ADMIN_PASSWORD: database.masterSecretArn.apply((arn) => `${arn}:password::`),
  };

  const repositoryUrl = config.imageRepository ?? registry.repositoryUrl;
  const externalEcr = config.imageRepository ? parseEcrRepositoryUrl(config.imageRepository) : undefined;
  // Config validation guarantees a digest, or a tag in an ECR repository.
  const image = imageByDigest(
    config.imageDigest !== undefined
      ? { repositoryUrl, digest: config.imageDigest }
      : {
          repositoryUrl,
          tag: config.imageTag!,
          ecr: externalEcr ?? { name: registry.repository.name },
        },
  );

  const service = new Service(resourceName(naming, "service"), {
    naming,
    region,
    accountId,
    containerInsights: config.containerInsights,
    privateSubnetIds: network.privateSubnetIds,
    securityGroupId: network.serviceSecurityGroup.id,
    image,
    ecrRepositoryArn: registry.repositoryArn,
    taskCpu: config.taskCpu,
    taskMemory: config.taskMemory,
    desiredCount: config.desiredCount,
    fargateWeight: config.fargateWeight,
    fargateSpotWeight: config.fargateSpotWeight,
    service: { environment, secrets: serviceSecrets, secretArns: serviceSecretArns },
    migrate: {
      environment,
      secrets: migrateSecrets,
      secretArns: [database.masterSecretArn],
    },
    ssmAppConfig: config.appConfigSource === "ssm" ? appConfig : {},
    kmsKeyArn,
    streamArn: stream?.streamArn,
    databaseUser: { resourceId: database.resourceId, name: config.dbAppUser },
    egress: {
      database: { port: database.port, securityGroupId: network.databaseSecurityGroup.id },
      cache:
        cache && network.cacheSecurityGroup
          ? { port: cache.port, securityGroupId: network.cacheSecurityGroup.id }
          : undefined,
      inVpcApi: edge ? undefined : { port: CONTAINER_PORT, securityGroupId: network.serviceSecurityGroup.id },
    },
    logRetentionDays: config.logRetentionDays,
    loadBalancing: edge
      ? {
          loadBalancerArnSuffix: edge.arnSuffix,
          listener: edge.productionListener,
          productionRule: edge.productionRule,
          blueTargetGroup: edge.blueTargetGroup,
          greenTargetGroup: edge.greenTargetGroup,
          bakeTimeMinutes: config.blueGreenBakeMinutes,
        }
      : undefined,
    rollbackHttp5xxRatePercent: config.http5xxRateAlarmPercent,
    rollbackStream: stream
      ? { name: stream.streamName, iteratorAgeMs: config.iteratorAgeAlarmMs }
      : undefined,
    autoscaling: config.autoscalingEnabled
      ? {
          minCapacity: config.minCapacity,
          maxCapacity: config.maxCapacity,
          cpuTargetPercent: config.cpuTargetPercent,
          pendingOrdersPerTask: config.pendingOrdersPerTaskTarget,
        }
      : undefined,
  });

  const monitoring = new Monitoring(resourceName(naming, "monitoring"), {
    naming,
    region,
    kmsKeyArn,
    alarmEmail: config.alarmEmail,
    clusterName: service.clusterName,
    serviceName: service.serviceName,
    database: { dimension: database.metricDimension, identifier: database.identifier },
    streamName: stream?.streamName,
    loadBalancerArnSuffix: edge?.arnSuffix,
    // ElastiCache names the member clusters of a replication group `<group id>-001`, `-002`, ….
    cacheClusterIds: cache
      ? Array.from(
          { length: config.cacheNodes },
          (_, i) => `${resourceName(naming, "redis")}-${String(i + 1).padStart(3, "0")}`,
        )
      : undefined,
    quarantineAlarmPeriodSeconds: config.quarantineAlarmPeriodSeconds,
    thresholds: {
      iteratorAgeMs: config.iteratorAgeAlarmMs,
      dbCpuPercent: config.dbCpuAlarmPercent,
      dbConnections: config.dbConnectionsAlarm,
      http5xxRatePercent: config.http5xxRateAlarmPercent,
    },
  });

  if (config.createVerifierPolicy) {
    createVerifierPolicy({ naming, region, accountId, smokeTask: !config.albEnabled });
  }

  if (config.outputProfile === "pipeline") {
    // Config validation guarantees stream and cache exist for this profile.
    const pipeline: Record<(typeof PIPELINE_OUTPUTS)[number], pulumi.Input<unknown>> = {
      vpc_id: network.vpcId,
      ecs_cluster_arn: service.cluster.arn,
      kinesis_stream_name: stream!.streamName,
      kinesis_stream_arn: stream!.streamArn,
      rds_endpoint: database.endpoint,
      rds_instance_id: database.identifier,
      redis_endpoint: cache!.primaryEndpoint,
      redis_port: cache!.port,
      ecr_repository_url: registry.repositoryUrl,
      kms_key_id: encryption.keyId,
      kms_key_arn: encryption.keyArn,
      log_group_name: service.logGroup.name,
      db_secret_arn: database.masterSecretArn,
      ecs_service_name: service.serviceName,
      private_subnet_ids: network.privateSubnetIds,
      public_subnet_ids: network.publicSubnetIds,
    };
    return pipeline;
  }
  // Config validation guarantees ALB, WAF, blue/green and Aurora for this profile.
  const api: Record<(typeof API_OUTPUTS)[number], pulumi.Input<unknown>> = {
    vpcId: network.vpcId,
    albDnsName: edge!.dnsName,
    ecsServiceArn: service.service.arn,
    rdsClusterEndpoint: database.endpoint,
    rdsReaderEndpoint: database.readerEndpoint!,
    ecrRepositoryUrl: registry.repositoryUrl,
    wafWebAclArn: edge!.webAcl!.arn,
    blueTargetGroupArn: edge!.blueTargetGroup.arn,
    greenTargetGroupArn: edge!.greenTargetGroup!.arn,
    dashboardUrl: monitoring.dashboardUrl,
  };
  return api;
}

/** The edge's TLS source; config validation guarantees one of the three for an ALB stack. */
function edgeTls(config: StackConfig): EdgeTls {
  if (config.certificateArn !== undefined)
    return { kind: "certificate", certificateArn: config.certificateArn };
  if (config.apiDomainName !== undefined) {
    return {
      kind: "domain",
      domainName: config.apiDomainName,
      hostedZoneName: apiHostedZoneName(config)!,
      aliasRecord: config.apiDomainAliasRecord,
    };
  }
  return { kind: "plain-http-insecure" };
}
