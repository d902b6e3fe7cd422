/**
 * RedisStatusCache against the real Redis in REDIS_URL, and against Redis that is not there: the
 * contract is that every call either answers or rejects within the command timeout, never waits for
 * a reconnect, so a read can fall back to the database at once.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { RedisStatusCache } from "../src/cache/redis-cache.js";
import type { CachedStatus } from "../src/cache/types.js";
import { optionalService } from "./support/services.js";

const redis = optionalService("REDIS_URL");
const prefix = `fastcart-test-${randomUUID()}:`;

const status = (orderId: string, s: CachedStatus["status"] = "PENDING"): CachedStatus => ({
  orderId,
  customerId: "customer-1",
  status: s,
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...(s === "REJECTED" ? { reason: "OUT_OF_STOCK" as const } : {}),
  ...(s === "PENDING"
    ? {
        pending: {
          currency: "EUR",
          items: [{ sku: "A", quantity: 2 }],
          acceptedAt: "2026-01-01T00:00:00.000Z",
        },
      }
    : {}),
});

describe("RedisStatusCache on a live Redis", { skip: redis.skip }, () => {
  let cache: RedisStatusCache;
  before(async () => {
    cache = new RedisStatusCache({ url: redis.url!, tls: false }, { keyPrefix: prefix, ttlSeconds: 3600 });
    await cache.waitUntilReady();
  });
  after(async () => {
    const keys = await cache.redis.keys(`${prefix}*`);
    if (keys.length > 0) await cache.redis.del(...keys.map((k) => k.slice(prefix.length)));
    await cache.close();
  });

  test("round-trips many entries in one pipeline", async () => {
    const entries = Array.from({ length: 200 }, (_, i) => status(`o-${i}`, i % 2 ? "CONFIRMED" : "PENDING"));
    await cache.setMany(entries);
    assert.deepEqual(await cache.get("o-0"), entries[0]);
    assert.deepEqual(await cache.get("o-199"), entries[199]);
    assert.equal(await cache.get("o-none"), undefined);
    await cache.setMany([]);
  });

  test("sets the TTL on every key, under the prefix", async () => {
    await cache.setMany([status("ttl", "REJECTED")]);
    const ttl = await cache.redis.ttl("order:ttl");
    assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
    const raw = await cache.redis.get("order:ttl");
    assert.match(raw!, /^1\|/);
    const keys = await cache.redis.keys(`${prefix}order:ttl`);
    assert.equal(keys.length, 1);
  });

  test("a late PENDING write does not overwrite a decision; a cancellation does", async () => {
    await cache.setMany([status("fwd", "CONFIRMED")]);
    await cache.setMany([status("fwd", "PENDING")]);
    assert.equal((await cache.get("fwd"))?.status, "CONFIRMED");
    await cache.setMany([status("fwd", "CANCELLED")]);
    assert.equal((await cache.get("fwd"))?.status, "CANCELLED");
  });

  test("a value it did not write reads as a miss", async () => {
    await cache.redis.set("order:foreign", "not json");
    assert.equal(await cache.get("foreign"), undefined);
  });

  test("checkReady pings", async () => {
    await cache.checkReady();
  });
});

describe("RedisStatusCache when Redis is unreachable", () => {
  test("a closed port: get, setMany and checkReady reject at once", async () => {
    const cache = new RedisStatusCache({ url: "redis://127.0.0.1:1", tls: false }, { connectTimeoutMs: 200 });
    try {
      const started = Date.now();
      await assert.rejects(cache.get("x"));
      await assert.rejects(cache.setMany([status("x")]));
      await assert.rejects(cache.checkReady(), /redis unreachable/);
      assert.ok(Date.now() - started < 1000, `failed in ${Date.now() - started} ms`);
      await assert.rejects(cache.waitUntilReady(100), /not connected within 100 ms/);
    } finally {
      await cache.close();
    }
  });

  test("a server that accepts but never answers: rejects within the command timeout", async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    // Ready check off so the client counts as connected and really sends the command.
    const cache = new RedisStatusCache(
      { url: `redis://127.0.0.1:${port}`, tls: false },
      { commandTimeoutMs: 150 },
    );
    (cache.redis.options as { enableReadyCheck: boolean }).enableReadyCheck = false;
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await assert.rejects(cache.get("x"));
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 1000, `rejected after ${elapsed} ms`);
    } finally {
      await cache.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("recovers by itself when Redis comes back", { skip: redis.skip }, async () => {
    const cache = new RedisStatusCache({ url: redis.url!, tls: false }, { keyPrefix: prefix });
    try {
      await cache.waitUntilReady();
      const closed = once(cache.redis, "close");
      cache.redis.disconnect(true);
      await assert.rejects(cache.get("x"));
      await closed;
      await cache.waitUntilReady(3_000);
      assert.equal(await cache.get("x"), undefined);
    } finally {
      await cache.close();
    }
  });
});
