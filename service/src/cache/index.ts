/**
 * Picks the status cache for a process: Redis when one is configured, otherwise the in-memory map
 * (local runs, a single process) or none (a process whose reads must all go to the database).
 */
import type { RedisConfig } from "../config.js";
import { MemoryStatusCache, NoStatusCache } from "./memory-cache.js";
import { RedisStatusCache, type RedisStatusCacheOptions } from "./redis-cache.js";
import type { StatusCache } from "./types.js";

export { MemoryStatusCache, NoStatusCache } from "./memory-cache.js";
export { RedisStatusCache, type RedisStatusCacheOptions } from "./redis-cache.js";
export type { CachedStatus, StatusCache } from "./types.js";

export interface StatusCacheOptions extends RedisStatusCacheOptions {
  /** What to use when no Redis is configured (default "none"; `local` passes "memory"). */
  whenUnconfigured?: "memory" | "none";
}

export function createStatusCache(
  redis: RedisConfig | undefined,
  options: StatusCacheOptions = {},
): StatusCache {
  if (redis) return new RedisStatusCache(redis, options);
  return options.whenUnconfigured === "memory"
    ? new MemoryStatusCache({ ttlSeconds: options.ttlSeconds })
    : new NoStatusCache();
}
