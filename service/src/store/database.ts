/**
 * Connection pools and the Kysely instance over them. One factory for both engines the service speaks:
 * PostgreSQL (RDS, local, tests) through `pg`, MySQL (Aurora MySQL in the orders-api-prod stack) through
 * `mysql2`. Everything above this file is written against `Kysely<Database>`; where the SQL differs it
 * asks `dialectOf(db)` (dialect/). Each pool asks its credential source for every new connection
 * (connection-target.ts); `identity: "admin"` connects as the schema owner (migrate).
 */
import { type Dialect, Kysely } from "kysely";
import type { DatabaseConfig } from "../config.js";
import { type DbEngine, integerDefault } from "../contract.js";
import type { Identity } from "./connection-target.js";
import { managedMysqlPool } from "./dialect/mysql-pool.js";
import { managedPostgresPool } from "./dialect/postgres-pool.js";
import type { Database } from "./schema.js";

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

export function createManagedDialect(config: DatabaseConfig, options: DatabaseOptions = {}): ManagedDialect {
  const url = options.reader ? config.readerUrl : config.url;
  return config.engine === "postgres"
    ? managedPostgresPool(config, url, options.identity)
    : managedMysqlPool(config, url, options.identity);
}

/** A Kysely instance over a new pool for `config`. Call `destroy()` to close the pool. */
export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Kysely<Database> {
  return new Kysely<Database>({ dialect: createManagedDialect(config, options).dialect });
}

/** A DatabaseConfig for a connection URL (tests, tools): engine from the scheme, no TLS, the default pool. */
export function databaseConfigFromUrl(url: string, poolMax = integerDefault("DB_POOL_MAX")): DatabaseConfig {
  const protocol = new URL(url).protocol;
  const engine: DbEngine = protocol === "mysql:" ? "mysql" : "postgres";
  return { engine, url, readerUrl: url, tls: false, poolMax };
}
