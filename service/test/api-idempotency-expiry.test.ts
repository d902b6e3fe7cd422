/**
 * Idempotency keys expire: the purge `serve` runs deletes stored answers older than the retention
 * and keeps younger ones, on both engines, at start and on every interval.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import pino from "pino";
import { startIdempotencyExpiry } from "../src/api/idempotency-expiry.js";
import { SqlOrderStore } from "../src/store/order-store.js";
import { ENGINES, type MigratedDatabase, migratedDatabase } from "./store-helpers.js";

const record = { requestHash: "h", statusCode: 202, body: { ok: true }, headers: {} };
const quiet = pino({ level: "silent" });

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const { engine, skip } of ENGINES) {
  describe(`idempotency key expiry on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    let store: SqlOrderStore;
    before(async () => {
      m = await migratedDatabase("idem_expiry", 4, engine);
      store = new SqlOrderStore(m.db);
    });
    after(async () => {
      await store?.close();
      await m?.close();
    });

    const age = (key: string, hours: number) =>
      sql`update idempotency_keys set created_at = ${new Date(Date.now() - hours * 3_600_000)}
        where idem_key = ${key}`.execute(m.db);

    test("keys older than the retention are deleted at start, younger ones stay", async () => {
      await store.putIdempotency("cust", "old", record);
      await store.putIdempotency("cust", "young", record);
      await age("old", 25);
      await age("young", 23);
      const stop = startIdempotencyExpiry({ store, retentionHours: 24, logger: quiet });
      await until(async () => (await store.getIdempotency("cust", "old")) === undefined);
      await stop();
      assert.ok(await store.getIdempotency("cust", "young"), "a key inside the retention is kept");
    });

    test("the purge repeats on its interval", async () => {
      const stop = startIdempotencyExpiry({ store, retentionHours: 1, logger: quiet, intervalMs: 50 });
      try {
        await store.putIdempotency("cust", "later", record);
        await age("later", 2);
        await until(async () => (await store.getIdempotency("cust", "later")) === undefined);
      } finally {
        await stop();
      }
    });
  });
}
