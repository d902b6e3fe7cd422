/**
 * The PostgreSQL connection pool (`pg`) behind a Kysely instance.
 */
import { PostgresDialect } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../../config.js";
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

/** A Kysely dialect over a new pool to `url`. */
export function postgresPool(config: DatabaseConfig, url: string): PostgresDialect {
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
