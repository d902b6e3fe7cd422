/**
 * Environment → typed, validated configuration. This is the only module that reads `process.env`,
 * and it reads only the names declared in contract.ts (SERVICE_ENV), so the infra and the service
 * agree on every variable. A bad value fails at start-up with a message naming the variable and the
 * rule, and every problem is reported at once rather than one per restart.
 */
import {
  type AccessLogMode,
  type DashboardAuth,
  type DbAuthMode,
  type DbEngine,
  type EnvVarSpec,
  INTAKE_MODE_NEEDS,
  type IntakeMode,
  type LogLevel,
  SERVICE_ENV,
  type ServiceEnvName,
} from "./contract.js";

export type Env = Partial<Record<ServiceEnvName, string>>;

export interface DatabaseConfig {
  engine: DbEngine;
  /** Writer connection URL, credentials included. */
  url: string;
  /** Reader connection URL (Aurora reader endpoint); equals `url` when none is configured. */
  readerUrl: string;
  tls: boolean;
  poolMax: number;
  /** How serve and work authenticate (DB_AUTH); "password" when unset. */
  auth?: DbAuthMode;
  /** The application user serve and work connect as (DB_USER); unset: the URL's user. */
  user?: string;
  /** DB_USER's password (DB_PASSWORD); unset: the URL's password. */
  password?: string;
  /** File holding DB_USER's password, re-read on an authentication failure and on a schedule. */
  passwordFile?: string;
  /** Region the IAM auth token is signed for (DB_AUTH=iam). */
  region?: string;
  /** The schema owner `migrate` connects as (DB_ADMIN_USER/DB_ADMIN_PASSWORD); unset: the URL's user. */
  admin?: { user: string; password?: string };
}

export interface RedisConfig {
  url: string;
  tls: boolean;
  authToken?: string;
}

export interface AuthConfig {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface ServiceConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Which requests get an access-log line. */
  accessLog: AccessLogMode;
  /** Whether /dashboard/data needs an admin token. */
  dashboardAuth: DashboardAuth;
  environment: string;
  intakeMode: IntakeMode;
  /** Undefined only for roles that need no database (token). */
  database?: DatabaseConfig;
  /** `aggregate`: KPL-aggregated records (KINESIS_AGGREGATION) instead of one order per record. */
  kinesis: { streamName: string; region: string; endpoint?: string; aggregate: boolean };
  redis?: RedisConfig;
  auth: AuthConfig;
  worker: { batchSize: number; concurrency: number; maxRecordAttempts: number; stuckShardSeconds: number };
  /** How long stored idempotent responses are kept before serve purges them. */
  idempotencyRetentionHours: number;
  metricsEmf: boolean;
}

/** Raised when the environment is invalid; `problems` lists one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Which parts a role needs; missing required parts are configuration errors. */
export interface ConfigNeeds {
  database: boolean;
  auth: boolean;
  /**
   * The role connects as the schema owner (`migrate`): DB_ADMIN_USER/DB_ADMIN_PASSWORD are required
   * with DB_HOST, and it signs no IAM token (it only creates and grants the IAM-authenticated user).
   */
  adminCredentials?: boolean;
}

/**
 * Parses and validates `env`. Unknown variables are ignored (the process environment holds many),
 * but the infra contract test checks that task definitions set no name outside SERVICE_ENV.
 */
export function loadConfig(
  env: Env = readProcessEnv(),
  needs: ConfigNeeds = { database: true, auth: true },
): ServiceConfig {
  const problems: string[] = [];
  const str = (name: ServiceEnvName): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  // Defaults, ranges and allowed values all come from the declaration in contract.ts.
  const int = (name: ServiceEnvName, engine?: DbEngine): number => {
    const spec: EnvVarSpec = SERVICE_ENV[name];
    const fallback = Number(engine ? spec.defaultByEngine?.[engine] : spec.default);
    const min = spec.min ?? Number.MIN_SAFE_INTEGER;
    const max = spec.max ?? Number.MAX_SAFE_INTEGER;
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (name: ServiceEnvName): boolean => {
    const fallback = (SERVICE_ENV[name] as EnvVarSpec).default === "true";
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    problems.push(`${name}: must be true or false (got "${raw}")`);
    return fallback;
  };
  const oneOf = <T extends string>(name: ServiceEnvName): T => {
    const spec: EnvVarSpec = SERVICE_ENV[name];
    const allowed = spec.allowed ?? [];
    const fallback = spec.default as T;
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw)) {
      problems.push(`${name}: must be one of ${allowed.join(", ")} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const text = (name: ServiceEnvName): string =>
    str(name) ?? String((SERVICE_ENV[name] as EnvVarSpec).default);

  const intakeMode = oneOf<IntakeMode>("INTAKE_MODE");
  const database = readDatabase(str, int, bool, oneOf, text, problems, needs);

  const jwtSecret = str("AUTH_JWT_SECRET");
  const jwksUrl = str("AUTH_JWKS_URL");
  if (needs.auth && !jwtSecret && !jwksUrl) {
    problems.push("AUTH_JWT_SECRET: required (or AUTH_JWKS_URL) so the API can verify bearer tokens");
  }
  if (jwtSecret && Buffer.byteLength(jwtSecret) < 32) {
    problems.push("AUTH_JWT_SECRET: must be at least 32 bytes for HS256");
  }
  if (jwksUrl && !isUrl(jwksUrl, ["https:", "http:"])) problems.push(`AUTH_JWKS_URL: must be an http(s) URL`);

  const redis = readRedis(str, int, bool, problems);

  const kinesisEndpoint = str("KINESIS_ENDPOINT");
  if (kinesisEndpoint && !isUrl(kinesisEndpoint, ["http:", "https:"])) {
    problems.push("KINESIS_ENDPOINT: must be an http(s) URL");
  }
  const streamName = text("KINESIS_STREAM_NAME");
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(streamName)) {
    problems.push("KINESIS_STREAM_NAME: 1–128 characters of a-z, A-Z, 0-9, _ . -");
  }
  const region = str("AWS_REGION") ?? (kinesisEndpoint ? "eu-central-1" : undefined);
  if (INTAKE_MODE_NEEDS[intakeMode].kinesis && needs.database && !region) {
    problems.push("AWS_REGION: required in stream mode unless KINESIS_ENDPOINT is set");
  }

  const config: ServiceConfig = {
    port: int("PORT"),
    host: text("HOST"),
    logLevel: oneOf<LogLevel>("LOG_LEVEL"),
    accessLog: oneOf<AccessLogMode>("ACCESS_LOG"),
    dashboardAuth: oneOf<DashboardAuth>("DASHBOARD_AUTH"),
    environment: text("FASTCART_ENVIRONMENT"),
    intakeMode,
    database,
    kinesis: {
      streamName,
      region: region ?? "eu-central-1",
      endpoint: kinesisEndpoint,
      aggregate: bool("KINESIS_AGGREGATION"),
    },
    redis,
    auth: { jwtSecret, jwksUrl, issuer: str("AUTH_ISSUER"), audience: str("AUTH_AUDIENCE") },
    worker: {
      batchSize: int("WORKER_BATCH_SIZE"),
      concurrency: int("WORKER_CONCURRENCY"),
      maxRecordAttempts: int("WORKER_MAX_RECORD_ATTEMPTS"),
      stuckShardSeconds: int("WORKER_STUCK_SHARD_SECONDS"),
    },
    idempotencyRetentionHours: int("IDEMPOTENCY_RETENTION_HOURS"),
    metricsEmf: bool("METRICS_EMF"),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

type Str = (name: ServiceEnvName) => string | undefined;
type Int = (name: ServiceEnvName, engine?: DbEngine) => number;
type Bool = (name: ServiceEnvName) => boolean;
type OneOf = <T extends string>(name: ServiceEnvName) => T;
type Text = (name: ServiceEnvName) => string;

function readDatabase(
  str: Str,
  int: Int,
  bool: Bool,
  oneOf: OneOf,
  text: Text,
  problems: string[],
  needs: ConfigNeeds,
): DatabaseConfig | undefined {
  const tls = bool("DB_TLS");
  const poolMax = int("DB_POOL_MAX");
  const identity = readIdentity(str, bool, oneOf, problems, needs);
  const url = str("DATABASE_URL");
  if (url) {
    let engine: DbEngine | undefined;
    try {
      const protocol = new URL(url).protocol;
      engine =
        protocol === "postgres:" || protocol === "postgresql:"
          ? "postgres"
          : protocol === "mysql:"
            ? "mysql"
            : undefined;
    } catch {
      // reported below
    }
    if (!engine) {
      problems.push("DATABASE_URL: must be a postgres://, postgresql:// or mysql:// URL");
      return undefined;
    }
    return { engine, url, readerUrl: url, tls, poolMax, ...identity } satisfies DatabaseConfig;
  }
  const host = str("DB_HOST");
  if (!host) {
    if (needs.database) problems.push("DATABASE_URL or DB_HOST: required (a database connection is needed)");
    return undefined;
  }
  const engine = oneOf<DbEngine>("DB_ENGINE");
  const port = int("DB_PORT", engine);
  const { user, password, passwordFile, auth } = identity;
  if (!user) problems.push("DB_USER: required with DB_HOST");
  if (auth === "password" && !password && !passwordFile && !(needs.adminCredentials && identity.admin)) {
    problems.push("DB_PASSWORD: required with DB_HOST and DB_AUTH=password (or DB_PASSWORD_FILE)");
  }
  // With IAM auth the application user has no password and owns nothing: migrate must come as the
  // schema owner. With passwords and no separate owner, one user does everything (local, tests).
  if (needs.adminCredentials && auth === "iam") {
    if (!identity.admin)
      problems.push("DB_ADMIN_USER: required for migrate with DB_AUTH=iam (the schema owner)");
    else if (!identity.admin.password) problems.push("DB_ADMIN_PASSWORD: required with DB_ADMIN_USER");
  }
  const name = text("DB_NAME");
  const build = (h: string) => {
    const u = new URL(`${engine}://${h}:${port}/${encodeURIComponent(name)}`);
    u.username = encodeURIComponent(user ?? "");
    u.password = encodeURIComponent(password ?? "");
    return u.toString();
  };
  const reader = str("DB_READER_HOST");
  return {
    engine,
    url: build(host),
    readerUrl: build(reader ?? host),
    tls,
    poolMax,
    ...identity,
  } satisfies DatabaseConfig;
}

/** Who serve/work and migrate connect as, and how serve/work authenticate; rules apply to both URL forms. */
function readIdentity(str: Str, bool: Bool, oneOf: OneOf, problems: string[], needs: ConfigNeeds) {
  const auth = oneOf<DbAuthMode>("DB_AUTH");
  const user = str("DB_USER");
  const password = str("DB_PASSWORD");
  const passwordFile = str("DB_PASSWORD_FILE");
  const adminUser = str("DB_ADMIN_USER");
  const adminPassword = str("DB_ADMIN_PASSWORD");
  const region = str("AWS_REGION");
  if (password && passwordFile)
    problems.push("DB_PASSWORD_FILE: set either DB_PASSWORD or DB_PASSWORD_FILE, not both");
  if (adminPassword && !adminUser) problems.push("DB_ADMIN_USER: required with DB_ADMIN_PASSWORD");
  if (auth === "iam") {
    if (!user) problems.push("DB_USER: required with DB_AUTH=iam (the IAM-authenticated application user)");
    if (password || passwordFile) {
      problems.push(
        `${password ? "DB_PASSWORD" : "DB_PASSWORD_FILE"}: must not be set with DB_AUTH=iam (the token replaces it)`,
      );
    }
    // RDS accepts IAM tokens only over TLS; the token is a bearer credential.
    if (!bool("DB_TLS"))
      problems.push("DB_TLS: must be true with DB_AUTH=iam (RDS requires SSL for IAM auth)");
    if (!region && !needs.adminCredentials) {
      problems.push("AWS_REGION: required with DB_AUTH=iam (the token is signed for the database's region)");
    }
  }
  return {
    auth,
    ...(user ? { user } : {}),
    ...(password ? { password } : {}),
    ...(passwordFile ? { passwordFile } : {}),
    ...(region ? { region } : {}),
    ...(adminUser
      ? { admin: { user: adminUser, ...(adminPassword ? { password: adminPassword } : {}) } }
      : {}),
  };
}

function readRedis(str: Str, int: Int, bool: Bool, problems: string[]): RedisConfig | undefined {
  const url = str("REDIS_URL");
  const authToken = str("REDIS_AUTH_TOKEN");
  if (url) {
    if (!isUrl(url, ["redis:", "rediss:"])) {
      problems.push("REDIS_URL: must be a redis:// or rediss:// URL");
      return undefined;
    }
    return { url, tls: url.startsWith("rediss:") || bool("REDIS_TLS"), authToken };
  }
  const host = str("REDIS_HOST");
  if (!host) return undefined;
  const tls = bool("REDIS_TLS");
  const port = int("REDIS_PORT");
  return { url: `${tls ? "rediss" : "redis"}://${host}:${port}`, tls, authToken };
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Copies exactly the SERVICE_ENV names out of process.env. */
export function readProcessEnv(): Env {
  const env: Env = {};
  for (const name of Object.keys(SERVICE_ENV) as ServiceEnvName[]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
