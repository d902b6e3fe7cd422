/**
 * Why the edge refuses U+0000 and unpaired surrogates (orders/storable-text.ts), on each engine: what
 * the rule lets through (accents, emoji) round-trips exactly, PostgreSQL refuses U+0000 outright, and
 * an unpaired surrogate cannot reach either database unchanged (the driver's UTF-8 encoding turns it
 * into U+FFFD) — so accepting either would mean a batch that fails forever or an order that silently
 * differs from what the client sent.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isStorableText } from "../src/orders/storable-text.js";
import { insertPendingOrder } from "../src/store/pending.js";
import { ENGINES, migratedDatabase, order } from "./store-helpers.js";

for (const { engine, skip } of ENGINES) {
  describe(`storable text on ${engine}`, { skip }, () => {
    test("what the rule admits round-trips; what it refuses does not", async () => {
      const m = await migratedDatabase("storable", 2, engine);
      try {
        const read = async (orderId: string) =>
          (
            await m.db
              .selectFrom("orders")
              .select("customer_id")
              .where("order_id", "=", orderId)
              .executeTakeFirstOrThrow()
          ).customer_id;
        const fine = order([{ sku: "S", quantity: 1 }], { customerId: "caf\u00e9 \u{1F600} \u4e2d" });
        assert.equal(isStorableText(fine.customerId), true);
        await insertPendingOrder(m.db, fine);
        assert.equal(await read(fine.orderId), fine.customerId);

        const lone = order([{ sku: "S", quantity: 1 }], { customerId: "x\uD800y" });
        assert.equal(isStorableText(lone.customerId), false);
        await insertPendingOrder(m.db, lone);
        assert.notEqual(await read(lone.orderId), lone.customerId, "stored as something else");

        const nul = order([{ sku: "S", quantity: 1 }], { customerId: "x\u0000y" });
        assert.equal(isStorableText(nul.customerId), false);
        if (engine === "postgres") {
          await assert.rejects(
            insertPendingOrder(m.db, nul),
            (error: { code?: string }) => error.code === "22021",
          );
        }
      } finally {
        await m.close();
      }
    });
  });
}
