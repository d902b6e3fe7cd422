/**
 * "The database refused these credentials", as each engine's driver reports it: the one place that
 * knows the codes, beside the rest of the engine differences (the retry that rides out a rotation is
 * store/auth-failure.ts).
 *
 * PostgreSQL 28P01 invalid_password, 28000 invalid_authorization_specification (no such role, or
 * pg_hba refused it); MySQL/MariaDB 1045 ER_ACCESS_DENIED_ERROR.
 */
const POSTGRES_AUTH_CODES = new Set(["28P01", "28000"]);
const MYSQL_ACCESS_DENIED = 1045;

export function isAuthenticationFailure(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string" && POSTGRES_AUTH_CODES.has(code)) return true;
  return errno === MYSQL_ACCESS_DENIED || code === "ER_ACCESS_DENIED_ERROR";
}
