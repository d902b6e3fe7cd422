/**
 * Typed stack configuration: every key, its default and its validation in ONE place.
 *
 * `STACK_CONFIG_SPEC` is a table (property → key, type, default, description, rule) that the README's
 * configuration reference is generated from / checked against. `loadStackConfig(read, stackName)` turns
 * raw strings into a `StackConfig`, reporting every bad key at once with the key name and the rule it
 * broke; it needs no Pulumi runtime, so tests, the offline plan tool and `index.ts` share it.
 *
 * Keys live in the project namespace (`fastcart-orders:<key>` in `Pulumi.<stack>.yaml`) except the
 * provider key `aws:region`, whose spec `key` carries its namespace.
 */
import { INTAKE_MODES, type IntakeMode, LOG_LEVELS, SERVICE_ENV } from "@fastcart/service/contract";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "./cidr.js";
import { MASTER_USERNAME } from "./components/database.js";
import { parseEcrRepositoryUrl } from "./image.js";
import { PROJECT_NAME } from "./naming.js";

/** One configuration key. `T` is the parsed type (`undefined` included for optional keys). */
export interface ConfigKeySpec<T> {
  /** Key as written in the stack file: bare for project keys, `ns:key` for provider keys. */
  readonly key: string;
  readonly type: "string" | "integer" | "boolean" | "enum";
  /** Allowed values (enum keys, and integer keys with a fixed set such as task CPU). */
  readonly values?: readonly string[];
  /** The default as written in a stack file; absent: the key is required or optional-without-default. */
  readonly default?: string;
  readonly required: boolean;
  readonly description: string;
  /** The rule in words; error messages and the README quote it. */
  readonly rule: string;
  /** Raw string → value; throws with the rule when the value is bad. */
  parse(raw: string): T;
}

interface Common {
  readonly key: string;
  readonly description: string;
}

function fail(rule: string): never {
  throw new Error(rule);
}

function text(
  o: Common & { readonly pattern: RegExp; readonly rule: string; readonly default: string },
): ConfigKeySpec<string> {
  return {
    ...o,
    type: "string",
    required: false,
    parse: (raw) => (o.pattern.test(raw) ? raw : fail(o.rule)),
  };
}

function requiredText(
  o: Common & { readonly pattern: RegExp; readonly rule: string },
): ConfigKeySpec<string> {
  return { ...o, type: "string", required: true, parse: (raw) => (o.pattern.test(raw) ? raw : fail(o.rule)) };
}

function optionalText(
  o: Common & { readonly pattern: RegExp; readonly rule: string },
): ConfigKeySpec<string | undefined> {
  return {
    ...o,
    type: "string",
    required: false,
    parse: (raw) => (raw === "" ? undefined : o.pattern.test(raw) ? raw : fail(o.rule)),
  };
}

function integer(
  o: Common & { readonly min: number; readonly max: number; readonly default: number },
): ConfigKeySpec<number> {
  const rule = `an integer from ${o.min} to ${o.max}`;
  return {
    key: o.key,
    description: o.description,
    type: "integer",
    default: String(o.default),
    required: false,
    rule,
    parse: (raw) => {
      const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      return Number.isSafeInteger(value) && value >= o.min && value <= o.max ? value : fail(rule);
    },
  };
}

function integerOneOf(
  o: Common & { readonly values: readonly number[]; readonly default: number },
): ConfigKeySpec<number> {
  const rule = `one of ${o.values.join(", ")}`;
  return {
    key: o.key,
    description: o.description,
    type: "integer",
    values: o.values.map(String),
    default: String(o.default),
    required: false,
    rule,
    parse: (raw) => (o.values.map(String).includes(raw.trim()) ? Number(raw) : fail(rule)),
  };
}

function boolean(o: Common & { readonly default: boolean }): ConfigKeySpec<boolean> {
  const rule = "true or false";
  return {
    key: o.key,
    description: o.description,
    type: "boolean",
    default: String(o.default),
    required: false,
    rule,
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : fail(rule)),
  };
}

function oneOf<const V extends string>(
  o: Common & { readonly values: readonly V[]; readonly default: V },
): ConfigKeySpec<V> {
  const rule = `one of ${o.values.join(", ")}`;
  return {
    ...o,
    type: "enum",
    required: false,
    rule,
    parse: (raw) => ((o.values as readonly string[]).includes(raw) ? (raw as V) : fail(rule)),
  };
}

/** A comma-separated list of distinct allowed values; the empty string is the empty list. */
function listOf<const V extends string>(
  o: Common & { readonly values: readonly V[]; readonly default: readonly V[] },
): ConfigKeySpec<readonly V[]> {
  const rule = `a comma-separated list (may be empty) of distinct values from ${o.values.join(", ")}`;
  return {
    key: o.key,
    description: o.description,
    type: "string",
    values: o.values,
    default: o.default.join(","),
    required: false,
    rule,
    parse: (raw) => {
      const items = raw
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
      const known = items.every((item) => (o.values as readonly string[]).includes(item));
      return known && new Set(items).size === items.length ? (items as V[]) : fail(rule);
    },
  };
}

/** Performance Insights keeps 7 days free, else whole months of 31 days up to 23, or 731 (2 years). */
function performanceInsightsRetention(o: Common & { readonly default: number }): ConfigKeySpec<number> {
  const rule = "7, a multiple of 31 from 31 to 713 (months), or 731";
  return {
    key: o.key,
    description: o.description,
    type: "integer",
    default: String(o.default),
    required: false,
    rule,
    parse: (raw) => {
      const value = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      const months = value / 31;
      return value === 7 || value === 731 || (Number.isInteger(months) && months >= 1 && months <= 23)
        ? value
        : fail(rule);
    },
  };
}

/** Fargate task sizes AWS accepts: CPU units → allowed memory (MiB). */
export const FARGATE_TASK_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const DATABASE_ENGINES = ["postgres", "aurora-mysql"] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

/** Which seed's output contract the stack honours (names differ: snake_case vs camelCase). */
export const OUTPUT_PROFILES = ["pipeline", "api"] as const;
export type OutputProfile = (typeof OUTPUT_PROFILES)[number];

/** AWS managed WAF rule groups the web ACL may run beside its rate rule (vendor AWS). */
export const WAF_MANAGED_RULE_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesSQLiRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesAnonymousIpList",
] as const;
export type WafManagedRuleGroup = (typeof WAF_MANAGED_RULE_GROUPS)[number];

/** A lowercase DNS name with at least two labels (no trailing dot). */
const DOMAIN_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const STACK_CONFIG_SPEC = {
  environmentSuffix: requiredText({
    key: "environmentSuffix",
    description: "Suffix in every resource name (`fastcart-{resource}-{suffix}`) and the Environment tag.",
    pattern: /^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/,
    rule: "1-12 lowercase letters, digits or hyphens, not starting or ending with a hyphen (ALB and target group names are limited to 32 characters)",
  }),
  region: requiredText({
    key: "aws:region",
    description: "AWS region of every resource (the provider's own key).",
    pattern: /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/,
    rule: "an AWS region name such as eu-central-1",
  }),
  outputProfile: oneOf({
    key: "outputProfile",
    description:
      "Stack outputs to export: `pipeline` = the 16 snake_case outputs of seed 000, `api` = the camelCase outputs of seed 002.",
    values: OUTPUT_PROFILES,
    default: "pipeline",
  }),
  vpcCidr: text({
    key: "vpcCidr",
    description:
      "VPC address range; subnets are carved as 16 equal blocks (public from block 0, private from 8).",
    pattern: /^\d{1,3}(?:\.\d{1,3}){3}\/(?:1[6-9]|2[0-4])$/,
    rule: "an IPv4 network address with a prefix from /16 to /24",
    default: "10.0.0.0/16",
  }),
  azCount: integerOneOf({
    key: "azCount",
    description: "Availability zones used (one public and one private subnet each).",
    values: [2, 3],
    default: 2,
  }),
  natGateways: oneOf({
    key: "natGateways",
    description:
      "`single`: one NAT gateway for all private subnets (cost); `perAz`: one per AZ (no cross-AZ dependency).",
    values: ["single", "perAz"] as const,
    default: "single",
  }),
  intakeMode: oneOf<IntakeMode>({
    key: "intakeMode",
    description:
      "How orders reach the workers: `stream` creates the Kinesis stream; `table` uses the database.",
    values: INTAKE_MODES,
    default: SERVICE_ENV.INTAKE_MODE.default,
  }),
  databaseEngine: oneOf({
    key: "databaseEngine",
    description:
      "`postgres`: one RDS PostgreSQL instance; `aurora-mysql`: an Aurora MySQL cluster with readers.",
    values: DATABASE_ENGINES,
    default: "postgres",
  }),
  dbName: text({
    key: "dbName",
    description: "Database created at launch.",
    pattern: /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/,
    rule: "a letter then up to 62 letters, digits or underscores",
    default: "fastcart",
  }),
  postgresEngineVersion: text({
    key: "postgresEngineVersion",
    description:
      "RDS PostgreSQL version. Seed 000 asked for 15.4, which RDS retired; 15.15 is the current 15.x target (15.12 and older cannot be created since May 2026).",
    pattern: /^1[5-9]\.\d{1,2}$/,
    rule: "a PostgreSQL major.minor version, 15 or later (e.g. 15.15)",
    default: "15.15",
  }),
  postgresInstanceClass: text({
    key: "postgresInstanceClass",
    description: "RDS PostgreSQL instance class.",
    pattern: /^db\.[a-z0-9-]+\.[a-z0-9]+$/,
    rule: "an RDS instance class such as db.t3.micro",
    default: "db.t3.micro",
  }),
  dbAllocatedStorageGb: integer({
    key: "dbAllocatedStorageGb",
    description: "RDS PostgreSQL gp3 storage (GiB); autoscaling may grow it to 5×.",
    min: 20,
    max: 6000,
    default: 20,
  }),
  dbMultiAz: boolean({
    key: "dbMultiAz",
    description: "RDS PostgreSQL standby in a second AZ (seed 000: off, for cost).",
    default: false,
  }),
  auroraEngineVersion: text({
    key: "auroraEngineVersion",
    description: "Aurora MySQL version (3.10 is a long-term-support release, MySQL 8.0.42).",
    pattern: /^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$/,
    rule: "an Aurora MySQL 3 version such as 8.0.mysql_aurora.3.10.3",
    default: "8.0.mysql_aurora.3.10.3",
  }),
  auroraInstanceClass: text({
    key: "auroraInstanceClass",
    description: "Aurora writer and reader instance class.",
    pattern: /^db\.(?!t3\.(?:micro|small)$|t4g\.(?:micro|small)$)[a-z0-9-]+\.[a-z0-9]+$/,
    rule: "an instance class Aurora MySQL 3 supports (db.t3.medium or larger; micro/small are not offered)",
    default: "db.t3.medium",
  }),
  auroraReaderCount: integer({
    key: "auroraReaderCount",
    description: "Aurora reader instances, placed in AZs other than the writer's.",
    min: 1,
    max: 15,
    default: 1,
  }),
  dbBackupRetentionDays: integer({
    key: "dbBackupRetentionDays",
    description: "Automated backup retention.",
    min: 1,
    max: 35,
    default: 7,
  }),
  dbDeletionProtection: boolean({
    key: "dbDeletionProtection",
    description:
      "Block database deletion (RDS refuses to delete the instance or cluster until it is turned off). fastcart-dev turns it off so the stack stays destroyable.",
    default: true,
  }),
  dbSkipFinalSnapshot: boolean({
    key: "dbSkipFinalSnapshot",
    description:
      "Skip the final snapshot on destroy. Off: RDS takes `<identifier>-final` before deleting. fastcart-dev turns it on so the stack stays destroyable.",
    default: false,
  }),
  auroraPerformanceInsights: boolean({
    key: "auroraPerformanceInsights",
    description:
      "Performance Insights on every Aurora instance, encrypted with the stack key (aurora-mysql only).",
    default: true,
  }),
  performanceInsightsRetentionDays: performanceInsightsRetention({
    key: "performanceInsightsRetentionDays",
    description: "Days Performance Insights keeps its data (7 is the free tier).",
    default: 7,
  }),
  dbAppUser: text({
    key: "dbAppUser",
    description:
      "Database user the API and workers connect as, with IAM database authentication (no password); `migrate` creates it and grants it DML only.",
    pattern: /^[a-z][a-z0-9_]{0,31}$/,
    rule: "a lowercase letter then up to 31 lowercase letters, digits or underscores (a user name PostgreSQL and MySQL both accept unquoted)",
    default: "fastcart_app",
  }),
  dbSecretRotationDays: integer({
    key: "dbSecretRotationDays",
    description: "Rotation interval of the RDS-managed master user secret.",
    min: 1,
    max: 365,
    default: 30,
  }),
  kinesisShardCount: integer({
    key: "kinesisShardCount",
    description: "Provisioned shards (stream mode).",
    min: 1,
    max: 500,
    default: 2,
  }),
  kinesisRetentionHours: integer({
    key: "kinesisRetentionHours",
    description: "Record retention (stream mode).",
    min: 24,
    max: 8760,
    default: 24,
  }),
  cacheEnabled: boolean({
    key: "cacheEnabled",
    description: "ElastiCache Redis replication group for the order-status cache.",
    default: false,
  }),
  cacheNodeType: text({
    key: "cacheNodeType",
    description: "ElastiCache node type.",
    pattern: /^cache\.[a-z0-9-]+\.[a-z0-9]+$/,
    rule: "an ElastiCache node type such as cache.t3.micro",
    default: "cache.t3.micro",
  }),
  cacheEngineVersion: text({
    key: "cacheEngineVersion",
    description: "Redis OSS engine version.",
    pattern: /^7\.\d$/,
    rule: "a Redis 7 major.minor version such as 7.1",
    default: "7.1",
  }),
  cacheNodes: integer({
    key: "cacheNodes",
    description: "Nodes in the replication group (primary + replicas); 2 or more for automatic failover.",
    min: 2,
    max: 6,
    default: 2,
  }),
  albEnabled: boolean({
    key: "albEnabled",
    description:
      "Internet-facing ALB in front of the API (seed 002). Without it the API is reachable inside the VPC only.",
    default: false,
  }),
  certificateArn: optionalText({
    key: "certificateArn",
    description:
      "An existing ACM certificate for the HTTPS listener (port 80 then only redirects). Alternative to apiDomainName.",
    pattern: /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
    rule: "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)",
  }),
  apiDomainName: optionalText({
    key: "apiDomainName",
    description:
      "DNS name the API is served at: the stack requests an ACM certificate for it, validates it with DNS records in hostedZoneName and serves HTTPS with it (port 80 only redirects). Alternative to certificateArn.",
    pattern: DOMAIN_NAME,
    rule: "a lowercase fully qualified domain name such as orders-api.example.com",
  }),
  hostedZoneName: optionalText({
    key: "hostedZoneName",
    description:
      "Public Route 53 hosted zone of this account, looked up by name, that receives the certificate's validation record and the API's alias record. Unset: apiDomainName without its first label.",
    pattern: DOMAIN_NAME,
    rule: "a lowercase domain name such as example.com",
  }),
  apiDomainAliasRecord: boolean({
    key: "apiDomainAliasRecord",
    description: "With apiDomainName: an alias A record apiDomainName → the ALB in hostedZoneName.",
    default: true,
  }),
  allowPlainHttpInsecure: boolean({
    key: "allowPlainHttpInsecure",
    description:
      "INSECURE opt-out: serve the API over plain HTTP on port 80 when neither certificateArn nor apiDomainName is set. Bearer tokens then cross the internet in clear; for throwaway test stacks only.",
    default: false,
  }),
  albAccessLogsEnabled: boolean({
    key: "albAccessLogsEnabled",
    description:
      "ALB access logs to an S3 bucket of the stack (SSE-S3, the only encryption ALB log delivery supports; public access blocked, TLS-only policy).",
    default: true,
  }),
  albAccessLogsExpirationDays: integer({
    key: "albAccessLogsExpirationDays",
    description: "Days before S3 deletes an ALB access log object (bucket lifecycle rule).",
    min: 1,
    max: 3650,
    default: 90,
  }),
  wafEnabled: boolean({
    key: "wafEnabled",
    description: "WAFv2 web ACL with a per-IP rate limit on the ALB (needs albEnabled).",
    default: false,
  }),
  wafRateLimit: integer({
    key: "wafRateLimit",
    description: "Requests per IP per evaluation window before WAF blocks.",
    min: 10,
    max: 2_000_000_000,
    default: 100,
  }),
  wafEvaluationWindowSec: integerOneOf({
    key: "wafEvaluationWindowSec",
    description: "WAF rate-based rule evaluation window.",
    values: [60, 120, 300, 600],
    default: 300,
  }),
  wafManagedRuleGroups: listOf({
    key: "wafManagedRuleGroups",
    description:
      "AWS managed rule groups the web ACL runs after the rate rule. The Common rule set's SizeRestrictions_BODY rule is set to count, so order bodies above 8 KB (the API accepts up to 256 KiB) are not blocked.",
    values: WAF_MANAGED_RULE_GROUPS,
    default: [
      "AWSManagedRulesAmazonIpReputationList",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesSQLiRuleSet",
    ],
  }),
  wafLogRetentionDays: integerOneOf({
    key: "wafLogRetentionDays",
    description:
      "Retention of the WAF log group (aws-waf-logs-fastcart-waf-<suffix>, encrypted with the stack key).",
    values: LOG_RETENTION_DAYS,
    default: 90,
  }),
  flowLogsEnabled: boolean({
    key: "flowLogsEnabled",
    description: "VPC flow logs to a CloudWatch log group encrypted with the stack key.",
    default: true,
  }),
  flowLogsTrafficType: oneOf({
    key: "flowLogsTrafficType",
    description: "Which flows the VPC flow log records.",
    values: ["ALL", "ACCEPT", "REJECT"] as const,
    default: "ALL",
  }),
  flowLogsRetentionDays: integerOneOf({
    key: "flowLogsRetentionDays",
    description: "Retention of the VPC flow log group.",
    values: LOG_RETENTION_DAYS,
    default: 90,
  }),
  deploymentStrategy: oneOf({
    key: "deploymentStrategy",
    description:
      "ECS deployment: `rolling`, or `blue-green` (ECS native BLUE_GREEN through the ALB; needs albEnabled).",
    values: ["rolling", "blue-green"] as const,
    default: "rolling",
  }),
  blueGreenBakeMinutes: integer({
    key: "blueGreenBakeMinutes",
    description: "Minutes the old (blue) revision stays ready for rollback after traffic moved.",
    min: 0,
    max: 1440,
    default: 5,
  }),
  containerInsights: oneOf({
    key: "containerInsights",
    description: "ECS cluster Container Insights setting.",
    values: ["enabled", "enhanced", "disabled"] as const,
    default: "enabled",
  }),
  taskCpu: integerOneOf({
    key: "taskCpu",
    description: "Fargate task CPU units (api + worker containers share them).",
    values: Object.keys(FARGATE_TASK_SIZES).map(Number),
    default: 512,
  }),
  taskMemory: integer({
    key: "taskMemory",
    description: "Fargate task memory (MiB); must be a size AWS offers for taskCpu.",
    min: 512,
    max: 30720,
    default: 1024,
  }),
  desiredCount: integer({
    key: "desiredCount",
    description: "Tasks the service starts with.",
    min: 1,
    max: 100,
    default: 2,
  }),
  fargateWeight: integer({
    key: "fargateWeight",
    description: "Capacity provider weight of on-demand FARGATE.",
    min: 0,
    max: 1000,
    default: 1,
  }),
  fargateSpotWeight: integer({
    key: "fargateSpotWeight",
    description: "Capacity provider weight of FARGATE_SPOT (equal weights = 50/50).",
    min: 0,
    max: 1000,
    default: 0,
  }),
  autoscalingEnabled: boolean({
    key: "autoscalingEnabled",
    description: "Target tracking on CPU and on pending orders per task.",
    default: true,
  }),
  minCapacity: integer({
    key: "minCapacity",
    description: "Autoscaling floor.",
    min: 1,
    max: 100,
    default: 2,
  }),
  maxCapacity: integer({
    key: "maxCapacity",
    description: "Autoscaling ceiling.",
    min: 1,
    max: 100,
    default: 6,
  }),
  cpuTargetPercent: integer({
    key: "cpuTargetPercent",
    description: "Target average service CPU utilisation.",
    min: 10,
    max: 95,
    default: 70,
  }),
  pendingOrdersPerTaskTarget: integer({
    key: "pendingOrdersPerTaskTarget",
    description: "Target pending orders per running task (PendingOrders ÷ RunningTaskCount).",
    min: 1,
    max: 1_000_000,
    default: 500,
  }),
  imageRepository: optionalText({
    key: "imageRepository",
    description: "Pull the image from this repository instead of the stack's own ECR repository.",
    pattern: /^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+$/,
    rule: "a registry/repository path without tag, e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com/fastcart",
  }),
  imageTag: optionalText({
    key: "imageTag",
    description:
      "Image tag to deploy: resolved to its digest in the ECR repository at deploy time, so a task definition never runs a tag that can move. Ignored when imageDigest is set.",
    pattern: /^(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
    rule: "a Docker tag other than latest (letters, digits, _ . -, at most 128 characters; latest moves with every push)",
  }),
  imageDigest: optionalText({
    key: "imageDigest",
    description:
      "Image digest to deploy (`sha256:…`, from `docker push` or `aws ecr describe-images`); the task definitions run `<repository>@<digest>`.",
    pattern: /^sha256:[0-9a-f]{64}$/,
    rule: "sha256: followed by 64 lowercase hex digits",
  }),
  logLevel: oneOf({
    key: "logLevel",
    description: "Service LOG_LEVEL.",
    values: LOG_LEVELS,
    default: SERVICE_ENV.LOG_LEVEL.default,
  }),
  logRetentionDays: integerOneOf({
    key: "logRetentionDays",
    description: "CloudWatch Logs retention of the service and database log groups.",
    values: LOG_RETENTION_DAYS,
    default: 7,
  }),
  appConfigSource: oneOf({
    key: "appConfigSource",
    description:
      "Where non-secret app settings (LOG_LEVEL, WORKER_*) come from: task `environment`, or `ssm` Parameter Store parameters injected by ECS.",
    values: ["environment", "ssm"] as const,
    default: "environment",
  }),
  workerBatchSize: integer({
    key: "workerBatchSize",
    description: "WORKER_BATCH_SIZE: records or rows decided in one transaction.",
    // Range and default are the service's own declaration: the stack cannot set what it would refuse.
    min: SERVICE_ENV.WORKER_BATCH_SIZE.min,
    max: SERVICE_ENV.WORKER_BATCH_SIZE.max,
    default: Number(SERVICE_ENV.WORKER_BATCH_SIZE.default),
  }),
  workerConcurrency: integer({
    key: "workerConcurrency",
    description: "WORKER_CONCURRENCY: worker loops per `work` container.",
    min: SERVICE_ENV.WORKER_CONCURRENCY.min,
    max: SERVICE_ENV.WORKER_CONCURRENCY.max,
    default: Number(SERVICE_ENV.WORKER_CONCURRENCY.default),
  }),
  alarmEmail: optionalText({
    key: "alarmEmail",
    description: "Subscribe this address to the alarm topic (confirmation mail required).",
    pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
    rule: "an email address",
  }),
  iteratorAgeAlarmMs: integer({
    key: "iteratorAgeAlarmMs",
    description:
      "Alarm when the stream's GetRecords.IteratorAgeMilliseconds maximum exceeds this; a deployment rolls back when it does for 3 minutes.",
    min: 1000,
    max: 86_400_000,
    default: 60_000,
  }),
  dbCpuAlarmPercent: integer({
    key: "dbCpuAlarmPercent",
    description: "Alarm when database CPUUtilization averages at or above this.",
    min: 1,
    max: 100,
    default: 80,
  }),
  dbConnectionsAlarm: integer({
    key: "dbConnectionsAlarm",
    description: "Alarm when DatabaseConnections reaches this.",
    min: 1,
    max: 100_000,
    default: 80,
  }),
  http5xxRateAlarmPercent: integer({
    key: "http5xxRateAlarmPercent",
    description:
      "Alarm when target 5xx responses exceed this percentage of ALB requests; a deployment rolls back when target and ALB 5xx together exceed it.",
    min: 1,
    max: 100,
    default: 5,
  }),
  quarantineAlarmPeriodSeconds: integerOneOf({
    key: "quarantineAlarmPeriodSeconds",
    description:
      "Period of the alarm that fires when any record was quarantined (QuarantinedRecords sum > 0 in one period).",
    values: [60, 300, 900, 3600],
    default: 300,
  }),
} as const;

type Spec = typeof STACK_CONFIG_SPEC;
type ValueOf<S> = S extends ConfigKeySpec<infer T> ? T : never;

/** The parsed configuration of one stack. */
export type StackConfig = { readonly [K in keyof Spec]: ValueOf<Spec[K]> } & {
  /** Pulumi stack name (the Stack tag). */
  readonly stackName: string;
};

/** One bad key. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: string | undefined;
  readonly rule: string;
}

export class StackConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `stack ${stackName}: invalid configuration\n` +
        problems
          .map(
            (p) =>
              `  - ${p.key} = ${p.value === undefined ? "(unset)" : JSON.stringify(p.value)}: must be ${p.rule}`,
          )
          .join("\n"),
    );
    this.name = "StackConfigError";
  }
}

/** Reads one raw value by its spec key (`environmentSuffix`, `aws:region`); undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

/** Splits a spec key into namespace and name: `aws:region` → [aws, region]; bare → project namespace. */
export function splitConfigKey(key: string): [namespace: string, name: string] {
  const colon = key.indexOf(":");
  return colon < 0 ? [PROJECT_NAME, key] : [key.slice(0, colon), key.slice(colon + 1)];
}

/** Reads through `new pulumi.Config(namespace)`: what `pulumi up`/`preview` (and `setAllConfig`) provide. */
export function pulumiConfigReader(): ConfigReader {
  return (key) => {
    const [namespace, name] = splitConfigKey(key);
    return new pulumi.Config(namespace).get(name);
  };
}

/**
 * Parses and validates every key, then the rules that span keys; throws all problems at once.
 * Without arguments it reads the running Pulumi program's config and stack name.
 */
export function loadStackConfig(
  read: ConfigReader = pulumiConfigReader(),
  stackName: string = pulumi.getStack(),
): StackConfig {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = { stackName };
  for (const [property, spec] of Object.entries(STACK_CONFIG_SPEC) as [string, ConfigKeySpec<unknown>][]) {
    const raw = read(spec.key);
    if (raw === undefined) {
      if (spec.required)
        problems.push({ key: spec.key, value: undefined, rule: `set (required): ${spec.rule}` });
      else values[property] = spec.default === undefined ? undefined : spec.parse(spec.default);
      continue;
    }
    try {
      values[property] = spec.parse(raw);
    } catch (error) {
      problems.push({ key: spec.key, value: raw, rule: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new StackConfigError(stackName, problems);
  const config = values as StackConfig;
  const crossProblems = crossKeyProblems(config);
  if (crossProblems.length > 0) throw new StackConfigError(stackName, crossProblems);
  return config;
}

/** Rules that relate several keys; each problem names the key that must change. */
function crossKeyProblems(c: StackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (property: keyof Spec, rule: string) =>
    problems.push({
      key: STACK_CONFIG_SPEC[property].key,
      value: c[property] === undefined ? undefined : String(c[property]),
      rule,
    });

  try {
    parseCidr(c.vpcCidr);
  } catch (error) {
    add("vpcCidr", `a network address (${(error as Error).message})`);
  }
  const memories = FARGATE_TASK_SIZES[c.taskCpu] ?? [];
  if (!memories.includes(c.taskMemory)) {
    add("taskMemory", `a size Fargate offers for taskCpu ${c.taskCpu}: ${memories.join(", ")}`);
  }
  if (c.fargateWeight + c.fargateSpotWeight === 0) {
    add(
      "fargateWeight",
      "above 0 when fargateSpotWeight is 0 (at least one capacity provider must carry weight)",
    );
  }
  if (c.autoscalingEnabled) {
    if (c.containerInsights === "disabled") {
      add(
        "containerInsights",
        "enabled or enhanced when autoscaling is on (the pending-orders policy divides by its RunningTaskCount)",
      );
    }
    if (c.minCapacity > c.maxCapacity) add("minCapacity", `at most maxCapacity (${c.maxCapacity})`);
    if (c.desiredCount < c.minCapacity || c.desiredCount > c.maxCapacity) {
      add("desiredCount", `within minCapacity..maxCapacity (${c.minCapacity}..${c.maxCapacity})`);
    }
  }
  if (!c.albEnabled) {
    if (c.wafEnabled) add("wafEnabled", "false unless albEnabled is true (the web ACL protects the ALB)");
    if (c.deploymentStrategy === "blue-green") {
      add("deploymentStrategy", "rolling unless albEnabled is true (blue/green shifts ALB traffic)");
    }
    if (c.certificateArn !== undefined) add("certificateArn", "unset unless albEnabled is true");
  }
  checkHttps(c, add);
  if (c.certificateArn !== undefined && c.certificateArn.split(":")[3] !== c.region) {
    add("certificateArn", `a certificate in the stack's region ${c.region}`);
  }
  if (c.imageDigest === undefined) {
    if (c.imageTag === undefined) {
      add(
        "imageTag",
        "set, or imageDigest set: the task definitions run an image by digest, resolved from this tag at deploy time or given as imageDigest",
      );
    } else if (c.imageRepository !== undefined && parseEcrRepositoryUrl(c.imageRepository) === undefined) {
      add(
        "imageDigest",
        "set when imageRepository is not an ECR repository (a tag can only be resolved to its digest in ECR)",
      );
    }
  }
  if (c.dbAppUser === MASTER_USERNAME) {
    add(
      "dbAppUser",
      `a user other than the master user ${MASTER_USERNAME} (the application must not own the schema)`,
    );
  }
  if (c.outputProfile === "pipeline") {
    if (c.intakeMode !== "stream")
      add("intakeMode", "stream for outputProfile pipeline (it exports the stream)");
    if (!c.cacheEnabled)
      add("cacheEnabled", "true for outputProfile pipeline (it exports the Redis endpoint)");
    if (c.databaseEngine !== "postgres") {
      add("databaseEngine", "postgres for outputProfile pipeline (it exports the RDS instance id)");
    }
  } else {
    if (!c.albEnabled) add("albEnabled", "true for outputProfile api (it exports the ALB and WAF)");
    if (!c.wafEnabled) add("wafEnabled", "true for outputProfile api (it exports the web ACL ARN)");
    if (c.deploymentStrategy !== "blue-green") {
      add(
        "deploymentStrategy",
        "blue-green for outputProfile api (it exports the blue and green target groups)",
      );
    }
    if (c.databaseEngine !== "aurora-mysql") {
      add("databaseEngine", "aurora-mysql for outputProfile api (it exports cluster and reader endpoints)");
    }
  }
  return problems;
}

/** The hosted zone that holds the API's records: hostedZoneName, else apiDomainName without its first label. */
export function apiHostedZoneName(
  c: Pick<StackConfig, "apiDomainName" | "hostedZoneName">,
): string | undefined {
  if (c.apiDomainName === undefined) return undefined;
  return c.hostedZoneName ?? c.apiDomainName.slice(c.apiDomainName.indexOf(".") + 1);
}

/** An internet-facing ALB serves HTTPS (certificate ARN or domain) unless the loud opt-out is set. */
function checkHttps(c: StackConfig, add: (property: keyof Spec, rule: string) => void): void {
  if (!c.albEnabled) {
    if (c.apiDomainName !== undefined) add("apiDomainName", "unset unless albEnabled is true");
    return;
  }
  const https = c.certificateArn !== undefined || c.apiDomainName !== undefined;
  if (!https && !c.allowPlainHttpInsecure) {
    add(
      "apiDomainName",
      "set when albEnabled is true: the internet-facing ALB serves HTTPS only. Set fastcart-orders:apiDomainName to a domain " +
        "whose public hosted zone is in this account (zone: fastcart-orders:hostedZoneName, default the domain minus its first label), " +
        "or fastcart-orders:certificateArn to an ACM certificate; plain HTTP only with fastcart-orders:allowPlainHttpInsecure: true",
    );
  }
  if (c.certificateArn !== undefined && c.apiDomainName !== undefined) {
    add("apiDomainName", "unset when certificateArn is set (one source for the listener's certificate)");
  }
  if (https && c.allowPlainHttpInsecure) {
    add("allowPlainHttpInsecure", "false when certificateArn or apiDomainName is set (the ALB serves HTTPS)");
  }
  if (c.hostedZoneName !== undefined && c.apiDomainName === undefined) {
    add("hostedZoneName", "unset unless apiDomainName is set");
  }
  const zone = apiHostedZoneName(c);
  if (zone !== undefined && c.apiDomainName !== zone && !c.apiDomainName!.endsWith(`.${zone}`)) {
    add("hostedZoneName", `a zone that contains apiDomainName ${c.apiDomainName}`);
  }
}
