/**
 * Readiness must notice when the database refuses the credentials even though the pooled connections
 * (authenticated before a rotation) still work, so it opens one fresh connection. Load balancer health
 * checks arrive from several nodes every few seconds: one check per interval answers all of them.
 */

/** How long one fresh-connection result answers readiness. */
export const FRESH_CONNECTION_CHECK_MS = 5_000;

export function cachedCheck(check: () => Promise<void>, ttlMs: number, now: () => number = Date.now) {
  let last: { at: number; result: Promise<void> } | undefined;
  return (): Promise<void> => {
    if (!last || now() - last.at >= ttlMs) last = { at: now(), result: check() };
    // Callers each see the failure; the shared promise must not report an unhandled rejection.
    last.result.catch(() => {});
    return last.result;
  };
}
