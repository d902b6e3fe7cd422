/**
 * Stored Idempotency-Key answers are kept for IDEMPOTENCY_RETENTION_HOURS and then deleted, so the
 * idempotency_keys table holds a bounded window instead of growing with every keyed request. `serve`
 * runs the purge at start and then every `intervalMs`; every API task purges (a DELETE by age through
 * the created_at index is cheap, and two tasks deleting the same old rows is harmless).
 */
import type { Logger } from "pino";
import type { OrderStore } from "../store/types.js";

export interface IdempotencyExpiryOptions {
  store: Pick<OrderStore, "purgeIdempotency">;
  retentionHours: number;
  logger: Logger;
  /** Between purges (default one hour). */
  intervalMs?: number;
  now?: () => Date;
}

const HOUR_MS = 3_600_000;

/** Starts the purge timer; the returned function stops it and waits for a purge in progress. */
export function startIdempotencyExpiry(options: IdempotencyExpiryOptions): () => Promise<void> {
  const now = options.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  const purge = () => {
    if (running) return;
    running = (async () => {
      const before = new Date(now().getTime() - options.retentionHours * HOUR_MS);
      try {
        const deleted = await options.store.purgeIdempotency(before);
        if (deleted > 0) options.logger.info({ deleted, before }, "expired idempotency keys deleted");
      } catch (error) {
        // The next round tries again; until then the old keys only cost space.
        options.logger.warn({ err: error }, "idempotency key purge failed");
      } finally {
        running = undefined;
      }
    })();
  };
  purge();
  const timer = setInterval(purge, options.intervalMs ?? HOUR_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
