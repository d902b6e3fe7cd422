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

/** Roles the image runs in ECS. `local`, `token` and `load` exist too, for laptops only. */
export const CONTAINER_ROLES = ["serve", "work", "migrate"] as const;
export type ContainerRole = (typeof CONTAINER_ROLES)[number];

/** How accepted orders reach the workers: a Kinesis stream or a PENDING table in the database. */
export const INTAKE_MODES = ["stream", "table"] as const;
export type IntakeMode = (typeof INTAKE_MODES)[number];

/**
 * What each intake mode needs configured, as data config.ts checks: stream mode talks to Kinesis, so
 * it needs a region (AWS_REGION, or KINESIS_ENDPOINT for a local stand-in).
 */
export const INTAKE_MODE_NEEDS: Readonly<Record<IntakeMode, { readonly kinesis: boolean }>> = {
  stream: { kinesis: true },
  table: { kinesis: false },
};

/** Database engines the service speaks. */
export const DB_ENGINES = ["postgres", "mysql"] as const;
export type DbEngine = (typeof DB_ENGINES)[number];

/** How serve and work authenticate to the database (DB_AUTH). */
export const DB_AUTH_MODES = ["password", "iam"] as const;
export type DbAuthMode = (typeof DB_AUTH_MODES)[number];

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

/** Levels of the pino logger, as LOG_LEVEL accepts them. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Which requests get an access-log line (ACCESS_LOG). */
export const ACCESS_LOG_MODES = ["all", "errors", "off"] as const;
export type AccessLogMode = (typeof ACCESS_LOG_MODES)[number];

/** Whether /dashboard/data needs an admin token (DASHBOARD_AUTH). */
export const DASHBOARD_AUTH_MODES = ["admin", "none"] as const;
export type DashboardAuth = (typeof DASHBOARD_AUTH_MODES)[number];

/**
 * One environment variable the service reads: everything about it is declared here once — what it is
 * for, its default, its range or allowed values — and config.ts parses from this declaration, the
 * README table is generated from it (`npm run env-doc`), and the infra reads defaults and ranges from
 * it, so none of them can drift from what the service applies.
 */
export interface EnvVarSpec {
  /** What it is for; shown in the README's configuration table. */
  readonly description: string;
  /** Must arrive through ECS `secrets` (Secrets Manager or SSM), never as plain `environment`. */
  readonly secret?: boolean;
  /** How config.ts parses it (default "string"). */
  readonly type?: "string" | "integer" | "boolean";
  /** Value applied when unset, as it would be written in the environment. */
  readonly default?: string;
  /** Defaults that depend on DB_ENGINE (DB_PORT). */
  readonly defaultByEngine?: Readonly<Record<DbEngine, string>>;
  /** Integers: the accepted range, inclusive. */
  readonly min?: number;
  readonly max?: number;
  /** The only values accepted. */
  readonly allowed?: readonly string[];
}

/**
 * Every environment variable the service knows. The service's config.ts is the only reader of
 * `process.env` and reads only these names; the infra sets only these names.
 */
export const SERVICE_ENV = {
  PORT: {
    description:
      "HTTP port: the API (`serve`), or the /health + /metrics probe (`work`; WORKER_PORT in ECS).",
    type: "integer",
    default: String(CONTAINER_PORT),
    min: 0,
    max: 65535,
  },
  HOST: { description: "Address the API binds.", default: "0.0.0.0" },
  LOG_LEVEL: { description: "pino log level.", default: "info", allowed: LOG_LEVELS },
  ACCESS_LOG: {
    description:
      "One `info` line per HTTP request (method, route, status, duration, requestId): all, errors (status ≥ 400) or off.",
    default: "all",
    allowed: ACCESS_LOG_MODES,
  },
  DASHBOARD_AUTH: {
    description:
      "Who may read /dashboard's figures: admin (the page asks for an admin token) or none (`fastcart local` sets it).",
    default: "admin",
    allowed: DASHBOARD_AUTH_MODES,
  },
  FASTCART_ENVIRONMENT: {
    description: "Environment name (the stack's environmentSuffix); a dimension of every metric.",
    default: "local",
  },
  INTAKE_MODE: {
    description: "How orders reach the workers: stream (Kinesis) or table.",
    default: "stream",
    allowed: INTAKE_MODES,
  },

  DATABASE_URL: {
    description: "Full connection URL (postgres://… or mysql://…). Local use; in AWS the DB_* parts are set.",
    secret: true,
  },
  DB_ENGINE: { description: "Engine of the DB_* parts.", default: "postgres", allowed: DB_ENGINES },
  DB_HOST: { description: "Database writer endpoint." },
  DB_READER_HOST: { description: "Read-only endpoint (Aurora reader); reads fall back to DB_HOST." },
  DB_PORT: {
    description: "Database port.",
    type: "integer",
    defaultByEngine: { postgres: "5432", mysql: "3306" },
    min: 1,
    max: 65535,
  },
  DB_NAME: { description: "Database name.", default: "fastcart" },
  DB_AUTH: {
    description:
      "How serve and work authenticate as DB_USER: password (DB_PASSWORD) or iam (an RDS IAM token signed per connection with the task role; no password exists to rotate).",
    default: "password",
    allowed: DB_AUTH_MODES,
  },
  DB_USER: {
    description:
      "The application user serve and work connect as (DML on the service's tables only; migrate creates and grants it).",
  },
  DB_PASSWORD: { description: "Password of DB_USER (DB_AUTH=password only).", secret: true },
  DB_PASSWORD_FILE: {
    description:
      "Instead of DB_PASSWORD: a file holding DB_USER's password, re-read after the database refuses it and every 5 minutes, so a rotated password is picked up without a restart (DB_AUTH=password only).",
  },
  DB_ADMIN_USER: {
    description:
      "migrate only: the schema owner (the RDS-managed master secret's username); runs DDL and creates DB_USER.",
    secret: true,
  },
  DB_ADMIN_PASSWORD: { description: "migrate only: password of DB_ADMIN_USER.", secret: true },
  DB_TLS: { description: "Require TLS to the database (true in AWS).", type: "boolean", default: "false" },
  DB_POOL_MAX: { description: "Connections per process.", type: "integer", default: "10", min: 1, max: 500 },

  AWS_REGION: { description: "AWS region of the Kinesis stream." },
  KINESIS_STREAM_NAME: { description: "Stream name (stream mode).", default: "fastcart-orders" },
  KINESIS_ENDPOINT: { description: "Kinesis endpoint override (kinesalite locally)." },
  KINESIS_AGGREGATION: {
    description:
      "Put many orders in one Kinesis record (KPL aggregation format, grouped per target shard) instead of one order per record. Set false only for a consumer that cannot deaggregate KPL records; the workers here read both.",
    type: "boolean",
    default: "true",
  },

  REDIS_URL: { description: "redis:// or rediss:// URL of the status cache (local use).", secret: true },
  REDIS_HOST: { description: "ElastiCache primary endpoint." },
  REDIS_PORT: { description: "ElastiCache port.", type: "integer", default: "6379", min: 1, max: 65535 },
  REDIS_TLS: {
    description: "Use TLS to Redis (true with in-transit encryption).",
    type: "boolean",
    default: "false",
  },
  REDIS_AUTH_TOKEN: { description: "ElastiCache auth token.", secret: true },

  AUTH_JWT_SECRET: { description: "HS256 secret that signs API tokens.", secret: true },
  AUTH_JWKS_URL: { description: "JWKS URL (RS256/ES256 tokens) instead of a shared secret." },
  AUTH_ISSUER: { description: "Expected `iss` claim, when set." },
  AUTH_AUDIENCE: { description: "Expected `aud` claim, when set." },

  IDEMPOTENCY_RETENTION_HOURS: {
    description:
      "How long a stored Idempotency-Key response is replayed; `serve` deletes older ones every hour.",
    type: "integer",
    default: "24",
    min: 1,
    max: 8760,
  },
  WORKER_BATCH_SIZE: {
    description:
      "Records or rows decided in one transaction. Stream workers start their GetRecords Limit here and double it after each full batch up to 10,000 (what GetRecords allows), halving back when the stream is quiet.",
    type: "integer",
    default: "500",
    min: 1,
    max: 10_000,
  },
  WORKER_CONCURRENCY: {
    description: "Worker loops in one `work` process.",
    type: "integer",
    default: "1",
    min: 1,
    max: 64,
  },
  WORKER_MAX_RECORD_ATTEMPTS: {
    description:
      "Times a record (or PENDING order) that fails on its own is tried before it is quarantined; transient faults never count.",
    type: "integer",
    default: "3",
    min: 1,
    max: 100,
  },
  WORKER_STUCK_SHARD_SECONDS: {
    description:
      "Seconds a leased shard (or the table queue) may go without a commit while it has work before readiness reports it degraded.",
    type: "integer",
    default: "300",
    min: 10,
    max: 86_400,
  },
  METRICS_EMF: {
    description: "Emit CloudWatch Embedded Metric Format on stdout.",
    type: "boolean",
    default: "false",
  },
} as const satisfies Record<string, EnvVarSpec>;

export type ServiceEnvName = keyof typeof SERVICE_ENV;

/** Names that must only ever arrive through ECS `secrets`. */
export const SECRET_ENV_NAMES = (Object.keys(SERVICE_ENV) as ServiceEnvName[]).filter(
  (name) => (SERVICE_ENV[name] as EnvVarSpec).secret === true,
);

/** The declared default of an integer setting, as a number (tests and tools use it instead of a literal). */
export function integerDefault(name: ServiceEnvName): number {
  const spec: EnvVarSpec = SERVICE_ENV[name];
  if (spec.type !== "integer" || spec.default === undefined) {
    throw new Error(`${name} has no integer default in SERVICE_ENV`);
  }
  return Number(spec.default);
}

/** The declared default of a boolean setting (code that builds a component without the environment uses it). */
export function booleanDefault(name: ServiceEnvName): boolean {
  const spec: EnvVarSpec = SERVICE_ENV[name];
  if (spec.type !== "boolean" || spec.default === undefined) {
    throw new Error(`${name} has no boolean default in SERVICE_ENV`);
  }
  return spec.default === "true";
}

/** A batch size within WORKER_BATCH_SIZE's declared range (options passed in code, not the environment). */
export function clampBatchSize(size: number): number {
  const { min, max } = SERVICE_ENV.WORKER_BATCH_SIZE;
  return Math.min(max, Math.max(min, Math.floor(size)));
}
