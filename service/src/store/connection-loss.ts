/**
 * "The connection under this transaction went away" — the session was terminated (a credential
 * rotation ends the old sessions, a failover, a restart) — for both engines. Such a transaction did
 * not commit, or committed and lost only its acknowledgement; the write paths that retry it are
 * idempotent (a repeated order id is a no-op, a decided order is not claimed again), so a retry on a
 * new connection is safe.
 */
const POSTGRES_CODES = new Set(["57P01", "57P02", "57P03"]); // admin / crash shutdown, cannot connect now
const MYSQL_CODES = new Set(["PROTOCOL_CONNECTION_LOST", "ECONNRESET", "EPIPE"]);
const MYSQL_CONNECTION_KILLED = 1927; // MariaDB ER_CONNECTION_KILLED
const MESSAGES = [/^Connection terminated/, /connection is in closed state/, /not queryable/];

export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno, message } = error as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof code === "string" && (POSTGRES_CODES.has(code) || MYSQL_CODES.has(code))) return true;
  if (errno === MYSQL_CONNECTION_KILLED) return true;
  return typeof message === "string" && MESSAGES.some((pattern) => pattern.test(message));
}
