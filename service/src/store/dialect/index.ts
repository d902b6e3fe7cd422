/**
 * The dialect of a Kysely instance, and the one classification of storage errors every caller uses
 * (the batch intake and workers to decide whether to retry or split, the API to pick its problem).
 */
import { MysqlAdapter } from "kysely";
import type { DbEngine } from "../../contract.js";
import { isSocketOutage } from "./common.js";
import { mysqlDialect } from "./mysql.js";
import { postgresDialect } from "./postgres.js";
import type { AnyKysely, SqlDialect, StorageErrorClass } from "./types.js";

export type {
  AnyKysely,
  BulkColumn,
  InsertIfAbsent,
  RowsUpdate,
  SqlDialect,
  StorageErrorClass,
} from "./types.js";

export function dialectFor(engine: DbEngine): SqlDialect {
  return engine === "postgres" ? postgresDialect : mysqlDialect;
}

/** Which engine a Kysely instance (or transaction) talks to. */
export function dialectOf(db: AnyKysely): SqlDialect {
  return db.getExecutor().adapter instanceof MysqlAdapter ? mysqlDialect : postgresDialect;
}

/**
 * What a storage error means, whichever engine raised it (their error shapes do not overlap: pg
 * carries a five-character SQLSTATE `code`, mysql2 a numeric `errno`). Follows `cause` chains and
 * AggregateErrors (a pool that tried several addresses) a few levels down.
 */
export function classifyStorageError(error: unknown, depth = 0): StorageErrorClass | undefined {
  if (typeof error !== "object" || error === null || depth > 3) return undefined;
  const known = postgresDialect.classify(error) ?? mysqlDialect.classify(error);
  if (known) return known;
  if (isSocketOutage(error)) return "outage";
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = classifyStorageError(inner, depth + 1);
      if (found) return found;
    }
  }
  return classifyStorageError((error as { cause?: unknown }).cause, depth + 1);
}
