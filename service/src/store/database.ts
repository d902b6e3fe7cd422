/**
 * Connection pools and the Kysely instance over them. One factory for both engines the service speaks:
 * PostgreSQL (RDS, local, tests) through `pg`, MySQL (Aurora MySQL in the orders-api-prod stack) through
 * `mysql2`. Everything above this file is written against `Kysely<Database>`; where the SQL differs it
 * asks `dialectOf(db)` (dialect/).
 */
import { type Dialect, Kysely } from "kysely";
import type { DatabaseConfig } from "../config.js";
import { type DbEngine, integerDefault } from "../contract.js";
import { dialectFor } from "./dialect/index.js";
import type { Database } from "./schema.js";

export interface DatabaseOptions {
  /** Connect to the reader endpoint instead of the writer (read-only queries). */
  reader?: boolean;
}

/** The Kysely dialect (with its pool) for `config`. */
function createDialect(config: DatabaseConfig, options: DatabaseOptions = {}): Dialect {
  const url = options.reader ? config.readerUrl : config.url;
  return dialectFor(config.engine).pool(config, url);
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
