/**
 * Picks the status cache for a process: Redis when one is configured, otherwise the in-memory map
 * (local runs: one process holds the API and the workers) or none (every read goes to the database).
 */
import type { Logger } from "pino";
import type { RedisConfig } from "../config.js";
import { MemoryStatusCache, NoStatusCache } from "./memory-cache.js";
import { RedisStatusCache, type RedisStatusCacheOptions } from "./redis-cache.js";
import type { StatusCache } from "./types.js";

export interface StatusCacheOptions extends Omit<RedisStatusCacheOptions, "onError"> {
  /** What to use when no Redis is configured (default "none"; `local` passes "memory"). */
  fallback?: "memory" | "none";
  /** Same as `fallback` (the first name of the option, still used by some callers). */
  whenUnconfigured?: "memory" | "none";
  /** Redis connection problems are logged here as warnings, at most one line per 30 s. */
  logger?: Pick<Logger, "warn">;
}

const ERROR_LOG_INTERVAL_MS = 30_000;

export function createStatusCache(
  redis: RedisConfig | undefined,
  options: StatusCacheOptions = {},
): StatusCache {
  const { fallback = options.whenUnconfigured, logger, whenUnconfigured: _, ...redisOptions } = options;
  if (redis) {
    // ioredis reports every failed reconnect attempt; one line per interval says the same.
    let lastLogged = 0;
    const onError = (error: Error) => {
      const now = Date.now();
      if (!logger || now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
      lastLogged = now;
      logger.warn({ err: error }, "status cache (redis) unavailable; reads fall back to the database");
    };
    return new RedisStatusCache(redis, { ...redisOptions, onError });
  }
  return fallback === "memory"
    ? new MemoryStatusCache({ ttlSeconds: options.ttlSeconds })
    : new NoStatusCache();
}
