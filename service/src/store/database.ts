/**
 * Connection pools and the Kysely instance over them. One factory for both engines the service speaks:
 * PostgreSQL (RDS, local, tests) through `pg`, MySQL (Aurora MySQL in the orders-api-prod stack) through
 * `mysql2`. Everything above this file is written against `Kysely<Database>`; where the SQL differs it
 * asks `dialectOf(db)` (dialect/).
 */
import { type Dialect, Kysely, MysqlDialect, PostgresDialect } from "kysely";
import { createPool as createMysqlPool } from "mysql2";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import { type DbEngine, integerDefault } from "../contract.js";
import type { Database } from "./schema.js";

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

/**
 * TLS settings: verify the server certificate. RDS/Aurora certificates chain to the Amazon RDS CA,
 * which Node does not trust out of the box: the image sets NODE_EXTRA_CA_CERTS to the RDS CA bundle,
 * which Node adds to its default trust store (used because no `ca` is passed), so verification stays on.
 */
const TLS_OPTIONS = { rejectUnauthorized: true } as const;

export interface DatabaseOptions {
  /** Connect to the reader endpoint instead of the writer (read-only queries). */
  reader?: boolean;
}

/** The Kysely dialect (with its pool) for `config`. */
export function createDialect(config: DatabaseConfig, options: DatabaseOptions = {}): Dialect {
  const url = options.reader ? config.readerUrl : config.url;
  if (config.engine === "postgres") {
    const pool = new pg.Pool({
      connectionString: url,
      max: config.poolMax,
      ssl: config.tls ? TLS_OPTIONS : undefined,
      types: pgTypes,
      // Fail a request quickly when the database is unreachable instead of queueing it forever.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: "fastcart",
    });
    // An idle client losing its connection (failover, restart) emits 'error' on the pool; without a
    // listener that would crash the process. The pool drops the client and the next query reconnects.
    pool.on("error", () => {});
    // A checked-out client has no pool listener: losing its connection mid-query (failover, restart,
    // pg_terminate_backend) emits 'error' on the client, which would crash the process although the
    // query already fails with the same error and the pool discards the client on release.
    pool.on("connect", (client) => client.on("error", () => {}));
    return new PostgresDialect({ pool });
  }
  const parsed = new URL(url);
  const pool = createMysqlPool({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, "")) || undefined,
    connectionLimit: config.poolMax,
    ssl: config.tls ? TLS_OPTIONS : undefined,
    connectTimeout: 5_000,
    // Store and read DATETIME(3) as UTC, whatever the server's time zone.
    timezone: "Z",
    // BIGINT → number when it fits (it always does here), string otherwise (never silently rounded).
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
  });
  return new MysqlDialect({ pool });
}

/** A Kysely instance over a new pool for `config`. Call `destroy()` to close the pool. */
export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Kysely<Database> {
  return new Kysely<Database>({ dialect: createDialect(config, options) });
}

/** A DatabaseConfig for a connection URL (tests, tools): engine from the scheme, no TLS, the default pool. */
export function databaseConfigFromUrl(url: string, poolMax = integerDefault("DB_POOL_MAX")): DatabaseConfig {
  const protocol = new URL(url).protocol;
  const engine: DbEngine = protocol === "mysql:" ? "mysql" : "postgres";
  return { engine, url, readerUrl: url, tls: false, poolMax };
}
