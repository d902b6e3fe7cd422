/** The status cache: implementations and the factory that picks one from configuration. */
export { createStatusCache, type StatusCacheOptions } from "./factory.js";
export { MemoryStatusCache, type MemoryStatusCacheOptions, NoStatusCache } from "./memory-cache.js";
export { RedisStatusCache, type RedisStatusCacheOptions } from "./redis-cache.js";
export type { CachedStatus, StatusCache } from "./types.js";
