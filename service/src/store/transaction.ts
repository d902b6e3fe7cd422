/**
 * Transactions as the processing code needs them: READ COMMITTED on both engines (MySQL defaults to
 * REPEATABLE READ, whose snapshot would hide an order that a concurrent batch committed while this one
 * waited for the stock locks). Which errors a retry cures is the dialect's `classify` (dialect/), and
 * how often and how long to wait is the pipeline's one retry policy.
 */
import type { Kysely, Transaction } from "kysely";

export function withTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db.transaction().setIsolationLevel("read committed").execute(work);
}
