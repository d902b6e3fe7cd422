/**
 * The order-status cache on Redis (ElastiCache in AWS): TLS and the auth token when configured, one
 * key per order under a prefix, a TTL on every key, writes pipelined.
 *
 * A cache must never make a request slower than the database would: no offline queue (a command while
 * disconnected fails at once instead of waiting for a reconnect), a short per-command timeout, one
 * attempt per command. Callers treat every rejection as "not cached" and read the database. ioredis
 * keeps reconnecting in the background, so the cache comes back by itself.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "../config.js";
import { lifecycleRank } from "../orders/state-machine.js";
import type { CachedStatus, StatusCache } from "./types.js";

export interface RedisStatusCacheOptions {
  /** Prefix of every key (default "fastcart:"); tests use a unique one. */
  keyPrefix?: string;
  /** Seconds a status stays cached (default 24 h, longer than any order stays PENDING). */
  ttlSeconds?: number;
  /** A command not answered within this many ms fails (default 250). */
  commandTimeoutMs?: number;
  /** Connecting gives up after this many ms, then retries in the background (default 2,000). */
  connectTimeoutMs?: number;
  /** Connection errors (the cache keeps working around them); default: ignored. */
  onError?: (error: Error) => void;
}

/**
 * SET only when the stored status is not further along the lifecycle (lifecycleRank in orders/state-machine.ts). Values are
 * stored as "<rank>|<json>" so the script compares one character instead of decoding JSON.
 */
const SET_FORWARD_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(string.sub(current, 1, 1)) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1
`;

type ForwardRedis = Redis & {
  setForward(key: string, rank: number, json: string, ttlSeconds: number): Promise<number>;
};

export class RedisStatusCache implements StatusCache {
  readonly kind = "redis" as const;
  readonly redis: ForwardRedis;
  private readonly ttlSeconds: number;

  constructor(config: RedisConfig, options: RedisStatusCacheOptions = {}) {
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    const redisOptions: RedisOptions = {
      keyPrefix: options.keyPrefix ?? "fastcart:",
      lazyConnect: true,
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 0,
      // Reconnect forever, backing off to one attempt every 2 s.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      ...(config.authToken ? { password: config.authToken } : {}),
      ...(config.tls ? { tls: { rejectUnauthorized: true } } : {}),
    };
    this.redis = new Redis(config.url, redisOptions) as ForwardRedis;
    this.redis.defineCommand("setForward", { numberOfKeys: 1, lua: SET_FORWARD_SCRIPT });
    // Without a listener an 'error' event would crash the process.
    this.redis.on("error", (error: Error) => options.onError?.(error));
    this.redis.connect().catch(() => {
      // Reported through 'error'; ioredis retries on its own.
    });
  }

  /** Resolves once connected (start-up and tests); rejects after `timeoutMs`. */
  async waitUntilReady(timeoutMs = 5_000): Promise<void> {
    if (this.redis.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off("ready", onReady);
        reject(new Error(`redis: not connected within ${timeoutMs} ms (status ${this.redis.status})`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once("ready", onReady);
    });
  }

  private key(orderId: string): string {
    return `order:${orderId}`;
  }

  /** The cached status, undefined when absent. Rejects (fast) when Redis is unreachable or slow. */
  async get(orderId: string): Promise<CachedStatus | undefined> {
    const raw = await this.redis.get(this.key(orderId));
    if (raw === null) return undefined;
    const separator = raw.indexOf("|");
    try {
      return JSON.parse(raw.slice(separator + 1)) as CachedStatus;
    } catch {
      // A value this code did not write: treat as a miss rather than fail the read.
      return undefined;
    }
  }

  /** Writes all entries in one pipeline (one round trip). Rejects if any write failed. */
  async setMany(entries: CachedStatus[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const entry of entries) {
      (pipeline as unknown as ForwardRedis).setForward(
        this.key(entry.orderId),
        lifecycleRank(entry.status),
        JSON.stringify(entry),
        this.ttlSeconds,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async checkReady(): Promise<void> {
    try {
      await this.redis.ping();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`redis unreachable: ${reason}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.redis.status === "ready") {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
  }
}
