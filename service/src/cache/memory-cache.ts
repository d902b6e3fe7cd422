/**
 * The in-process status cache for `local` runs and tests: a Map bounded in size (oldest-written
 * entries evicted first) with the same TTL and forward-only rule as the Redis cache.
 */

import { lifecycleRank } from "../orders/state-machine.js";
import type { CachedStatus, StatusCache } from "./types.js";

export interface MemoryStatusCacheOptions {
  /** Entries kept at most (default 100,000). */
  maxEntries?: number;
  /** Seconds an entry lives (default 24 h). */
  ttlSeconds?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class MemoryStatusCache implements StatusCache {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, { value: CachedStatus; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryStatusCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.ttlMs = (options.ttlSeconds ?? 86_400) * 1000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(orderId: string): Promise<CachedStatus | undefined> {
    const entry = this.entries.get(orderId);
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
      const current = this.entries.get(value.orderId);
      if (
        current &&
        current.expiresAt > this.now() &&
        lifecycleRank(current.value.status) > lifecycleRank(value.status)
      ) {
        continue;
      }
      // Re-inserting moves the key to the end of the Map's order, so eviction takes the oldest writes.
      this.entries.delete(value.orderId);
      // A shallow copy on write (writers hand over fresh objects; a deep clone here cost 4 % of the
      // local system's CPU under load); `get` deep-clones, so readers can never alter the cache.
      this.entries.set(value.orderId, { value: { ...value }, expiresAt });
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
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
