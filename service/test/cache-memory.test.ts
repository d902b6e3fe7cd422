import assert from "node:assert/strict";
import { test } from "node:test";
import { createStatusCache, MemoryStatusCache, NoStatusCache } from "../src/cache/index.js";
import type { CachedStatus } from "../src/cache/types.js";

const status = (orderId: string, s: CachedStatus["status"] = "PENDING"): CachedStatus => ({
  orderId,
  customerId: "c",
  status: s,
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...(s === "PENDING"
    ? {
        pending: {
          currency: "EUR",
          items: [{ sku: "A", quantity: 1 }],
          acceptedAt: "2026-01-01T00:00:00.000Z",
        },
      }
    : {}),
});

test("memory cache round-trips entries and returns copies", async () => {
  const cache = new MemoryStatusCache();
  await cache.setMany([status("a"), status("b", "CONFIRMED")]);
  const a = await cache.get("a");
  assert.deepEqual(a, status("a"));
  a!.status = "REJECTED";
  assert.equal((await cache.get("a"))?.status, "PENDING");
  assert.equal((await cache.get("b"))?.status, "CONFIRMED");
  assert.equal(await cache.get("missing"), undefined);
  await cache.checkReady();
});

test("a status never moves backwards: a late PENDING write does not hide a decision", async () => {
  const cache = new MemoryStatusCache();
  await cache.setMany([status("o", "CONFIRMED")]);
  await cache.setMany([status("o", "PENDING")]);
  assert.equal((await cache.get("o"))?.status, "CONFIRMED");
  await cache.setMany([status("o", "CANCELLED")]);
  await cache.setMany([status("o", "CONFIRMED")]);
  assert.equal((await cache.get("o"))?.status, "CANCELLED");
});

test("entries expire after the TTL", async () => {
  let now = 0;
  const cache = new MemoryStatusCache({ ttlSeconds: 10, now: () => now });
  await cache.setMany([status("o", "CONFIRMED")]);
  now = 9_999;
  assert.ok(await cache.get("o"));
  now = 10_000;
  assert.equal(await cache.get("o"), undefined);
  // An expired decision no longer blocks a new write.
  await cache.setMany([status("o", "PENDING")]);
  assert.equal((await cache.get("o"))?.status, "PENDING");
});

test("is bounded: the oldest writes are evicted first", async () => {
  const cache = new MemoryStatusCache({ maxEntries: 3 });
  await cache.setMany(["a", "b", "c"].map((id) => status(id)));
  await cache.setMany([status("a", "CONFIRMED")]); // rewritten: now the newest
  assert.ok(await cache.get("b"), "a read does not count as a write: b stays the oldest");
  await cache.setMany([status("d")]);
  assert.equal(cache.size, 3);
  assert.equal(await cache.get("b"), undefined);
  assert.ok(await cache.get("a"));
  assert.ok(await cache.get("c"));
  assert.ok(await cache.get("d"));
  await cache.close();
  assert.equal(cache.size, 0);
});

test("NoStatusCache caches nothing; createStatusCache picks by configuration", async () => {
  const none = new NoStatusCache();
  await none.setMany([status("a")]);
  assert.equal(await none.get("a"), undefined);
  await none.checkReady();
  await none.close();
  assert.equal(createStatusCache(undefined).kind, "none");
  assert.equal(createStatusCache(undefined, { fallback: "memory" }).kind, "memory");
  const redis = createStatusCache({ url: "redis://127.0.0.1:1", tls: false }, { connectTimeoutMs: 100 });
  assert.equal(redis.kind, "redis");
  await redis.close();
});

test("createStatusCache logs Redis connection problems at most once per interval", async () => {
  const warnings: unknown[] = [];
  const cache = createStatusCache(
    { url: "redis://127.0.0.1:1", tls: false },
    { logger: { warn: (...args: unknown[]) => void warnings.push(args) }, connectTimeoutMs: 50 },
  );
  await new Promise((resolve) => setTimeout(resolve, 400));
  await cache.close();
  assert.equal(warnings.length, 1);
  assert.match(JSON.stringify(warnings[0]), /fall back to the database/);
});
