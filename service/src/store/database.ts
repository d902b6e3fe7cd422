/**
 * Connection pools and the Kysely instance over them. One factory for both engines the service speaks:
 * PostgreSQL (RDS, local, tests) through `pg`, MySQL (Aurora MySQL in the orders-api-prod stack) through
 * `mysql2`. Everything above this file is written against `Kysely<Database>` and asks `engineOf(db)` only
 * where the SQL dialects really differ.
 */
import { type Dialect, Kysely, MysqlAdapter, MysqlDialect, PostgresDialect } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import type { DbEngine } from "../contract.js";
import { connectionTarget, type Identity } from "./connection-target.js";
import { createMysqlPool } from "./mysql-pool.js";
import { createPostgresPool } from "./postgres-pool.js";
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

/**
 * mysql2 checks only the certificate chain unless `verifyIdentity` is set: without it a certificate
 * issued for any other host by a trusted CA would be accepted. The hostname is checked like pg does.
 */
const MYSQL_TLS_OPTIONS = { rejectUnauthorized: true, verifyIdentity: true } as const;

export interface DatabaseOptions {
  /** Connect to the reader endpoint instead of the writer (read-only queries). */
  reader?: boolean;
  /** Connect as the application user (serve, work; default) or as the schema owner (migrate). */
  identity?: Identity;
}

/** A dialect with its pool, and the fresh-connection check readiness runs. */
export interface ManagedDialect {
  dialect: Dialect;
  checkFreshConnection(): Promise<void>;
}

/** The Kysely dialect (with its pool) for `config`. */
export function createDialect(config: DatabaseConfig, options: DatabaseOptions = {}): Dialect {
  return createManagedDialect(config, options).dialect;
}

export function createManagedDialect(config: DatabaseConfig, options: DatabaseOptions = {}): ManagedDialect {
  const target = connectionTarget(config, options);
  if (config.engine === "postgres") {
    const managed = createPostgresPool(target, {
      max: config.poolMax,
      ssl: config.tls ? TLS_OPTIONS : undefined,
      types: pgTypes,
    });
    return {
      dialect: new PostgresDialect({ pool: managed.pool }),
      checkFreshConnection: managed.checkFreshConnection,
    };
  }
  const managed = createMysqlPool(target, {
    connectionLimit: config.poolMax,
    ssl: config.tls ? MYSQL_TLS_OPTIONS : undefined,
    iam: target.credentials.kind === "iam-token",
  });
  return {
    dialect: new MysqlDialect({ pool: managed.pool }),
    checkFreshConnection: managed.checkFreshConnection,
  };
}

/** A Kysely instance over a new pool for `config`. Call `destroy()` to close the pool. */
export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Kysely<Database> {
  return new Kysely<Database>({ dialect: createDialect(config, options) });
}

/** A Kysely instance over any schema (migrations, engine checks, bulk helpers). */
// biome-ignore lint/suspicious/noExplicitAny: the schema differs per migration and per caller
export type AnyKysely = Kysely<any>;

/** Which engine a Kysely instance (or transaction) talks to, for the few places where SQL differs. */
export function engineOf(db: AnyKysely): DbEngine {
  return db.getExecutor().adapter instanceof MysqlAdapter ? "mysql" : "postgres";
}

/** A DatabaseConfig for a connection URL (tests, tools): engine from the scheme, no TLS, pool of 10. */
export function databaseConfigFromUrl(url: string, poolMax = 10): DatabaseConfig {
  const protocol = new URL(url).protocol;
  const engine: DbEngine = protocol === "mysql:" ? "mysql" : "postgres";
  return { engine, url, readerUrl: url, tls: false, poolMax };
}
