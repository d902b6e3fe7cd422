/**
 * The in-process status cache for `local` runs and tests: bounded in size (oldest-written entries
 * evicted first) with the same TTL and forward-only rule as the Redis cache.
 *
 * The bound is lru-cache's: it evicts in constant time. A plain Map evicted by taking its first keys
 * cost more with every write once full, because each deleted key stays behind in the Map's table as a
 * hole that the next scan from the front walks over again until the table is rebuilt: full at 100,000
 * entries, a write took 15, then 41, 70 and 90 µs per 50,000 writes (bench/status-cache.ts; 5–8 µs
 * flat with lru-cache), and in a profile of `npm start` at 1,000 orders/s that eviction was 4.4 % of
 * the main thread, more than any other function of ours.
 */

import { LRUCache } from "lru-cache";
import { lifecycleRank } from "../orders/state-machine.js";
import type { CachedStatus, StatusCache } from "./types.js";

export interface MemoryStatusCacheOptions {
  /** Entries kept at most (default 100,000; at least 1). */
  maxEntries?: number;
  /** Seconds an entry lives (default 24 h). */
  ttlSeconds?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class MemoryStatusCache implements StatusCache {
  readonly kind = "memory" as const;
  // Reads use peek(), which does not count as a use, so the least recently used entry is the oldest
  // written. The TTL is checked here, not by lru-cache, so that the injected clock is the only one.
  private readonly entries: LRUCache<string, { value: CachedStatus; expiresAt: number }>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryStatusCacheOptions = {}) {
    // lru-cache refuses a bound of 0; a cache of one entry is the smallest there is.
    this.entries = new LRUCache({ max: Math.max(1, Math.floor(options.maxEntries ?? 100_000)) });
    this.ttlMs = (options.ttlSeconds ?? 86_400) * 1000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(orderId: string): Promise<CachedStatus | undefined> {
    const entry = this.entries.peek(orderId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(orderId);
      return undefined;
    }
    return structuredClone(entry.value);
  }

  async setMany(values: CachedStatus[]): Promise<void> {
    const expiresAt = this.now() + this.ttlMs;
    for (const value of values) {
      const current = this.entries.peek(value.orderId);
      if (
        current &&
        current.expiresAt > this.now() &&
        lifecycleRank(current.value.status) > lifecycleRank(value.status)
      ) {
        continue;
      }
      // set() makes the key the most recently used, so eviction takes the oldest writes. A shallow
      // copy on write (writers hand over fresh objects; a deep clone here cost 4 % of the local
      // system's CPU under load); `get` deep-clones, so readers can never alter the cache.
      this.entries.set(value.orderId, { value: { ...value }, expiresAt });
    }
  }

  async checkReady(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** No cache at all: every read goes to the database. */
export class NoStatusCache implements StatusCache {
  readonly kind = "none" as const;
  async get(_orderId: string): Promise<undefined> {
    return undefined;
  }
  async setMany(_entries: CachedStatus[]): Promise<void> {}
  async checkReady(): Promise<void> {}
  async close(): Promise<void> {}
}
