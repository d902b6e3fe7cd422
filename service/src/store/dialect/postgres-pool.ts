/**
 * The PostgreSQL pool (`pg`) behind Kysely, with a credential source asked for every new physical
 * connection (`pg` accepts `password` as an async function) and a connect that rides out a refused
 * password by re-reading it. `checkFreshConnection` opens one connection outside the pool so
 * readiness notices refused credentials while the pooled connections still work.
 */
import { PostgresDialect, type PostgresPool } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../../config.js";
import { connectWithFreshCredentials, probeWithFreshCredentials } from "../auth-failure.js";
import { type ConnectionTarget, connectionTarget } from "../connection-target.js";
import { TLS_OPTIONS } from "./tls.js";

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;

/**
 * BIGINT (money, counts) arrives from pg as a string because it can exceed 2^53. Every value this
 * service stores is bounded far below that (validation caps prices and quantities, totals are
 * guarded), so parse to a number and fail loudly, rather than silently round, if that ever breaks.
 */
function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`database returned ${text}, outside the safe integer range of a JS number`);
  }
  return value;
}

/** Type parsers for this service's pools only: the process-global pg.types stay untouched. */
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === PG_INT8_OID) return parseSafeInteger;
    // NUMERIC (avg(), extract(epoch …)) may be fractional: a number, not an integer check.
    if (oid === PG_NUMERIC_OID) return Number;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PostgresPoolSettings {
  max: number;
  ssl: pg.ConnectionConfig["ssl"];
  types?: pg.CustomTypesConfig;
  /** How long a refused connection is retried with fresh credentials (default 20 s). */
  credentialRetryMs?: number;
}

export interface ManagedPool<P> {
  readonly pool: P;
  /** Opens, uses and closes one new connection; rejects with the reason when it cannot. */
  checkFreshConnection(): Promise<void>;
}

export function createPostgresPool(
  target: ConnectionTarget,
  settings: PostgresPoolSettings,
): ManagedPool<PostgresPool> {
  const { credentials } = target;
  const connection: pg.ClientConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: credentials.user,
    password: () => credentials.get(),
    ssl: settings.ssl,
    types: settings.types ?? pgTypes,
    // Fail a request quickly when the database is unreachable instead of queueing it forever.
    connectionTimeoutMillis: 5_000,
    application_name: "fastcart",
  };
  const inner = new pg.Pool({ ...connection, max: settings.max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (failover, restart) emits 'error' on the pool; without a
  // listener that would crash the process. The pool drops the client and the next query reconnects.
  inner.on("error", () => {});
  // A checked-out client has no pool listener: losing its connection mid-query (failover, restart,
  // pg_terminate_backend) emits 'error' on the client, which would crash the process although the
  // query already fails with the same error and the pool discards the client on release.
  inner.on("connect", (client) => client.on("error", () => {}));
  const pool: PostgresPool = {
    connect: () =>
      connectWithFreshCredentials(credentials, () => inner.connect(), {
        windowMs: settings.credentialRetryMs,
      }),
    end: () => inner.end(),
  };
  return {
    pool,
    async checkFreshConnection() {
      const attempt = async () => {
        const client = new pg.Client(connection);
        client.on("error", () => {});
        try {
          await client.connect();
          await client.query("select 1");
        } finally {
          await client.end().catch(() => {});
        }
      };
      await probeWithFreshCredentials(credentials, attempt);
    },
  };
}

/** The managed pool for `config` at `url`, as the application user (or `identity`). */
export function managedPostgresPool(config: DatabaseConfig, url: string, identity?: "application" | "admin") {
  const managed = createPostgresPool(connectionTarget(config, { url, identity }), {
    max: config.poolMax,
    ssl: config.tls ? TLS_OPTIONS : undefined,
  });
  return {
    dialect: new PostgresDialect({ pool: managed.pool }),
    checkFreshConnection: managed.checkFreshConnection,
  };
}

/** A Kysely dialect over a new pool to `url` (the dialect's `pool`). */
export function postgresPool(config: DatabaseConfig, url: string): PostgresDialect {
  return managedPostgresPool(config, url).dialect;
}
