/**
 * The MySQL / Aurora MySQL connection pool (`mysql2`) behind a Kysely instance.
 */
import { MysqlDialect } from "kysely";
import { createPool } from "mysql2";
import type { DatabaseConfig } from "../../config.js";
import { TLS_OPTIONS } from "./tls.js";

/** A Kysely dialect over a new pool to `url`. */
export function mysqlPool(config: DatabaseConfig, url: string): MysqlDialect {
  const parsed = new URL(url);
  const pool = createPool({
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
