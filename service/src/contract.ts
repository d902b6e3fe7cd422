/**
 * The contract between the service image and the infrastructure that runs it.
 *
 * Both workspaces import this module (infra as `@fastcart/service/contract`), so a name changed here
 * changes on both sides at once, and the contract test (infra plan ↔ service config schema) fails if a
 * task definition drifts from what the service reads. Keep it free of runtime dependencies: the
 * Pulumi program loads it too.
 */

/** Port the HTTP server listens on inside the container (`PORT` overrides it locally). */
export const CONTAINER_PORT = 3000;

/**
 * Port of the `work` role's probe listener (/health, /metrics). The api and worker containers share
 * one task and so one network namespace (awsvpc): the worker must not take CONTAINER_PORT. The task
 * definition sets `PORT` to this value for the worker container.
 */
export const WORKER_PORT = 3001;

/** Liveness: the process is up. Used by the ALB target groups and the container health check. */
export const HEALTH_PATH = "/health";
/** Readiness: the database and the intake (stream or table) are reachable. */
export const READY_PATH = "/ready";
/** Prometheus exposition. */
export const METRICS_PATH = "/metrics";

/** The program inside the image; the ECS `command` is `[role]`. */
export const IMAGE_ENTRYPOINT = "fastcart";

/** Roles the image runs in ECS. `local`, `token` and `load` exist too, for laptops only. */
export const CONTAINER_ROLES = ["serve", "work", "migrate"] as const;
export type ContainerRole = (typeof CONTAINER_ROLES)[number];

/** How accepted orders reach the workers: a Kinesis stream or a PENDING table in the database. */
export const INTAKE_MODES = ["stream", "table"] as const;
export type IntakeMode = (typeof INTAKE_MODES)[number];

/** Database engines the service speaks. */
export const DB_ENGINES = ["postgres", "mysql"] as const;
export type DbEngine = (typeof DB_ENGINES)[number];

/**
 * The custom metric the ECS target-tracking policy scales on. The service publishes it as CloudWatch
 * Embedded Metric Format on stdout (collected by the awslogs driver) and as a Prometheus gauge.
 */
export const PENDING_ORDERS_METRIC = {
  namespace: "FastCart/Orders",
  name: "PendingOrders",
  /** Dimension whose value is `FASTCART_ENVIRONMENT`, so each stack scales on its own figure. */
  dimension: "Environment",
  unit: "Count",
} as const;

/**
 * Records (stream) or rows (table) moved to the quarantine because they can never be decided. The
 * workers publish it as EMF beside PENDING_ORDERS_METRIC; both stacks alarm when it is above zero.
 */
export const QUARANTINED_RECORDS_METRIC = {
  namespace: PENDING_ORDERS_METRIC.namespace,
  name: "QuarantinedRecords",
  dimension: PENDING_ORDERS_METRIC.dimension,
  unit: "Count",
} as const;

/** One environment variable the service reads. */
export interface EnvVarSpec {
  /** What it is for; shown in the README's configuration table. */
  readonly description: string;
  /** Must arrive through ECS `secrets` (Secrets Manager or SSM), never as plain `environment`. */
  readonly secret?: boolean;
  /** Value used when unset (documentation; the service's config.ts applies it). */
  readonly default?: string;
}

/**
 * Every environment variable the service knows. The service's config.ts is the only reader of
 * `process.env` and reads only these names; the infra sets only these names.
 */
export const SERVICE_ENV = {
  PORT: {
    description:
      "HTTP port: the API (`serve`), or the /health + /metrics probe (`work`; WORKER_PORT in ECS).",
    default: String(CONTAINER_PORT),
  },
  HOST: { description: "Address the API binds.", default: "0.0.0.0" },
  LOG_LEVEL: { description: "pino log level: fatal, error, warn, info, debug, trace.", default: "info" },
  FASTCART_ENVIRONMENT: {
    description: "Environment name (the stack's environmentSuffix); a dimension of every metric.",
    default: "local",
  },
  INTAKE_MODE: { description: "How orders reach the workers: stream (Kinesis) or table.", default: "stream" },

  DATABASE_URL: {
    description: "Full connection URL (postgres://… or mysql://…). Local use; in AWS the DB_* parts are set.",
    secret: true,
  },
  DB_ENGINE: { description: "postgres or mysql (with the DB_* parts).", default: "postgres" },
  DB_HOST: { description: "Database writer endpoint." },
  DB_READER_HOST: { description: "Read-only endpoint (Aurora reader); reads fall back to DB_HOST." },
  DB_PORT: { description: "Database port.", default: "5432 (postgres) / 3306 (mysql)" },
  DB_NAME: { description: "Database name.", default: "fastcart" },
  DB_AUTH: {
    description:
      "How serve and work authenticate as DB_USER: password (DB_PASSWORD) or iam (an RDS IAM token signed per connection with the task role; no password exists to rotate).",
    default: "password",
  },
  DB_USER: {
    description:
      "The application user serve and work connect as (DML on the service's tables only; migrate creates and grants it).",
  },
  DB_PASSWORD: { description: "Password of DB_USER (DB_AUTH=password only).", secret: true },
  DB_ADMIN_USER: {
    description:
      "migrate only: the schema owner (the RDS-managed master secret's username); runs DDL and creates DB_USER.",
    secret: true,
  },
  DB_ADMIN_PASSWORD: { description: "migrate only: password of DB_ADMIN_USER.", secret: true },
  DB_TLS: { description: "Require TLS to the database (true in AWS).", default: "false" },
  DB_POOL_MAX: { description: "Connections per process.", default: "10" },

  AWS_REGION: { description: "AWS region of the Kinesis stream." },
  KINESIS_STREAM_NAME: { description: "Stream name (stream mode).", default: "fastcart-orders" },
  KINESIS_ENDPOINT: { description: "Kinesis endpoint override (kinesalite locally)." },

  REDIS_URL: { description: "redis:// or rediss:// URL of the status cache (local use).", secret: true },
  REDIS_HOST: { description: "ElastiCache primary endpoint." },
  REDIS_PORT: { description: "ElastiCache port.", default: "6379" },
  REDIS_TLS: { description: "Use TLS to Redis (true with in-transit encryption).", default: "false" },
  REDIS_AUTH_TOKEN: { description: "ElastiCache auth token.", secret: true },

  AUTH_JWT_SECRET: { description: "HS256 secret that signs API tokens.", secret: true },
  AUTH_JWKS_URL: { description: "JWKS URL (RS256/ES256 tokens) instead of a shared secret." },
  AUTH_ISSUER: { description: "Expected `iss` claim, when set." },
  AUTH_AUDIENCE: { description: "Expected `aud` claim, when set." },

  WORKER_BATCH_SIZE: { description: "Records or rows decided in one transaction.", default: "500" },
  WORKER_CONCURRENCY: { description: "Worker loops in one `work` process.", default: "1" },
  WORKER_MAX_RECORD_ATTEMPTS: {
    description:
      "Times a record (or PENDING order) that fails on its own is tried before it is quarantined; transient faults never count.",
    default: "3",
  },
  WORKER_STUCK_SHARD_SECONDS: {
    description:
      "Seconds a leased shard (or the table queue) may go without a commit while it has work before readiness reports it degraded.",
    default: "300",
  },
  METRICS_EMF: { description: "Emit CloudWatch Embedded Metric Format on stdout.", default: "false" },
} as const satisfies Record<string, EnvVarSpec>;

export type ServiceEnvName = keyof typeof SERVICE_ENV;

/** Names that must only ever arrive through ECS `secrets`. */
export const SECRET_ENV_NAMES = (Object.keys(SERVICE_ENV) as ServiceEnvName[]).filter(
  (name) => (SERVICE_ENV[name] as EnvVarSpec).secret === true,
);
