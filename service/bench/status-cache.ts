/**
 * `node --import tsx bench/status-cache.ts [--entries 100000] [--writes 200000]`
 *
 * The in-process status cache's write cost once it is full: fills it to `--entries`, then writes one
 * new order per call (what the API does per accepted order) and prints the microseconds per write
 * for each quarter of `--writes`. A cost that grows from quarter to quarter is eviction doing more
 * work with every write. A script that prints numbers, not a test.
 */
import { parseArgs } from "node:util";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import type { CachedStatus } from "../src/cache/types.js";

const { values } = parseArgs({
  options: { entries: { type: "string", default: "100000" }, writes: { type: "string", default: "200000" } },
});
const entries = Number(values.entries);
const writes = Number(values.writes);
if (!Number.isInteger(entries) || entries < 1 || !Number.isInteger(writes) || writes < 4) {
  console.error("usage: bench/status-cache.ts [--entries N ≥ 1] [--writes N ≥ 4]");
  process.exit(2);
}

const cache = new MemoryStatusCache({ maxEntries: entries });
const pending = (n: number): CachedStatus => ({
  orderId: `order-${n}`,
  customerId: "bench",
  status: "PENDING",
  updatedAt: new Date().toISOString(),
  pending: { currency: "EUR", items: [{ sku: "A", quantity: 1 }], acceptedAt: new Date().toISOString() },
});

let next = 0;
while (next < entries) await cache.setMany([pending(next++)]);
console.log(`status cache full at ${cache.size} entries; one new order per write:`);
const quarter = Math.floor(writes / 4);
for (let part = 1; part <= 4; part++) {
  const started = performance.now();
  for (let i = 0; i < quarter; i++) await cache.setMany([pending(next++)]);
  const micros = ((performance.now() - started) * 1000) / quarter;
  console.log(`  writes ${(part - 1) * quarter + 1}–${part * quarter}: ${micros.toFixed(2)} µs per write`);
}
