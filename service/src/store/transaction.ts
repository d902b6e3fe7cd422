/**
 * Transactions as the processing code needs them: READ COMMITTED on both engines (MySQL defaults to
 * REPEATABLE READ, whose snapshot would hide an order that a concurrent batch committed while this one
 * waited for the stock locks), and a test for errors that a retry of the whole transaction cures.
 */
import type { Kysely, Transaction } from "kysely";
import { isAuthenticationFailure } from "./auth-failure.js";
import { isConnectionLoss } from "./connection-loss.js";

export function withTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db.transaction().setIsolationLevel("read committed").execute(work);
}

const RETRYABLE_PG_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
]);
const RETRYABLE_MYSQL_ERRNOS = new Set([
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
]);

/**
 * True for deadlocks, serialization failures and lock timeouts, and for a connection lost or refused
 * under the transaction (a credential rotation ends the old sessions; the pool opens the next one
 * with fresh credentials): run the transaction again.
 */
export function isRetryableTransactionError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if (isConnectionLoss(error) || isAuthenticationFailure(error)) return true;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string" && RETRYABLE_PG_CODES.has(code)) return true;
  return typeof errno === "number" && RETRYABLE_MYSQL_ERRNOS.has(errno);
}
