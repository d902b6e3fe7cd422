/**
 * Component arguments at the stack configuration's declared defaults, read from `STACK_CONFIG_SPEC`
 * (components carry no defaults of their own). Tests spread these and override what they exercise, and
 * assert against them instead of repeating the literals.
 */
import { REDIS_PORT } from "../../src/components/cache.js";
import { type ConfigKeySpec, STACK_CONFIG_SPEC, type StackConfig } from "../../src/config.js";

/** Every key that declares a default, parsed by its own rule. */
export const SPEC_DEFAULTS = Object.fromEntries(
  (Object.entries(STACK_CONFIG_SPEC) as [string, ConfigKeySpec<unknown>][])
    .filter(([, spec]) => spec.default !== undefined)
    .map(([property, spec]) => [property, spec.parse(spec.default as string)]),
) as unknown as StackConfig;

const d = SPEC_DEFAULTS;

export const CACHE_DEFAULTS = {
  nodeType: d.cacheNodeType,
  engineVersion: d.cacheEngineVersion,
  nodes: d.cacheNodes,
} as const;

export const DATABASE_DEFAULTS = {
  dbName: d.dbName,
  postgresEngineVersion: d.postgresEngineVersion,
  postgresInstanceClass: d.postgresInstanceClass,
  allocatedStorageGb: d.dbAllocatedStorageGb,
  multiAz: d.dbMultiAz,
  auroraEngineVersion: d.auroraEngineVersion,
  auroraInstanceClass: d.auroraInstanceClass,
  auroraReaderCount: d.auroraReaderCount,
  backupRetentionDays: d.dbBackupRetentionDays,
  deletionProtection: d.dbDeletionProtection,
  skipFinalSnapshot: d.dbSkipFinalSnapshot,
  secretRotationDays: d.dbSecretRotationDays,
  logRetentionDays: d.logRetentionDays,
} as const;

export const EDGE_DEFAULTS = { deregistrationDelaySeconds: d.albDeregistrationDelaySeconds } as const;

export const ENCRYPTION_DEFAULTS = { deletionWindowInDays: d.kmsDeletionWindowDays } as const;

export const MONITORING_THRESHOLD_DEFAULTS = {
  iteratorAgeMs: d.iteratorAgeAlarmMs,
  dbCpuPercent: d.dbCpuAlarmPercent,
  dbConnections: d.dbConnectionsAlarm,
  http5xxRatePercent: d.http5xxRateAlarmPercent,
} as const;

export const MONITORING_DEFAULTS = {
  quarantineAlarmPeriodSeconds: d.quarantineAlarmPeriodSeconds,
  thresholds: MONITORING_THRESHOLD_DEFAULTS,
} as const;

export const NETWORK_DEFAULTS = { cachePort: REDIS_PORT } as const;

export const REGISTRY_DEFAULTS = { keepImages: d.ecrKeepImages } as const;

export const SECRETS_DEFAULTS = { recoveryWindowInDays: d.secretRecoveryWindowDays } as const;

export const STREAM_DEFAULTS = {
  shardCount: d.kinesisShardCount,
  retentionHours: d.kinesisRetentionHours,
} as const;
