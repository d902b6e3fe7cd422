/**
 * Error shapes both engines share: the Node socket errors a lost or refused connection raises, and
 * the cause chains drivers and pools wrap them in.
 */
const SOCKET_OUTAGE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** The `code` and `errno` a driver error carries, when it is an object at all. */
export function driverCodes(error: unknown): { code?: unknown; errno?: unknown; message?: unknown } {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
}

export function isSocketOutage(error: unknown): boolean {
  const { code } = driverCodes(error);
  return typeof code === "string" && SOCKET_OUTAGE_CODES.has(code);
}
