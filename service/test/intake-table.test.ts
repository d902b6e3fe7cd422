/**
 * TableOrderIntake: what the API relies on when it answers 202 in table mode — the order is committed
 * (another connection sees it) when submit resolves, a repeated order id is a no-op that resolves, and
 * an unreachable database is an error (503), never a silent loss. PostgreSQL always; MariaDB/MySQL when
 * MYSQL_URL is set.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TableOrderIntake } from "../src/intake/table-intake.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { SqlOrderStore } from "../src/store/order-store.js";
import { ENGINES, type MigratedDatabase, migratedDatabase, order } from "./store-helpers.js";

for (const { engine, skip } of ENGINES) {
  describe(`TableOrderIntake on ${engine}`, { skip }, () => {
    let m: MigratedDatabase;
    let intake: TableOrderIntake;
    before(async () => {
      m = await migratedDatabase("tintake", 10, engine);
      intake = new TableOrderIntake(m.db);
    });
    after(async () => {
      await m?.close();
    });

    test("submit commits a PENDING order with its items before it resolves", async () => {
      assert.equal(intake.mode, "table");
      const o = order([
        { sku: "TI-A", quantity: 2 },
        { sku: "TI-B", quantity: 5 },
      ]);
      await intake.submit(o);
      // A different pool = a different session: it only sees committed rows.
      const other = createDatabase(databaseConfigFromUrl(m.url, 1));
      try {
        const view = await new SqlOrderStore(other).getOrder(o.orderId);
        assert.equal(view?.status, "PENDING");
        assert.deepEqual(
          view?.items.map((i) => [i.sku, i.quantity]),
          [
            ["TI-A", 2],
            ["TI-B", 5],
          ],
        );
        assert.deepEqual(
          view?.history.map((h) => h.status),
          ["PENDING"],
        );
      } finally {
        await other.destroy();
      }
    });

    test("the same order id twice (in turn, racing, other letter case) is one order and resolves", async () => {
      const o = order([{ sku: "TI-C", quantity: 1 }]);
      await intake.submit(o);
      await intake.submit(o);
      await Promise.all([
        intake.submit(o),
        intake.submit({ ...o, orderId: o.orderId.toUpperCase() }),
        intake.submit({ ...o, items: [{ sku: "TI-OTHER", quantity: 9 }] }), // the first submission stands
      ]);
      const rows = await m.db
        .selectFrom("orders")
        .select("order_id")
        .where("order_id", "=", o.orderId)
        .execute();
      assert.equal(rows.length, 1);
      const items = await m.db
        .selectFrom("order_items")
        .select(["sku", "quantity"])
        .where("order_id", "=", o.orderId)
        .execute();
      assert.deepEqual(items, [{ sku: "TI-C", quantity: 1 }]);
      const history = await m.db
        .selectFrom("order_status_history")
        .select("status")
        .where("order_id", "=", o.orderId)
        .execute();
      assert.equal(history.length, 1);
    });

    test("checkReady passes on a reachable database; close() leaves the caller's pool open", async () => {
      await intake.checkReady();
      await intake.close();
      await intake.checkReady(); // the pool belongs to the runtime, not to the intake
    });
  });
}

describe("TableOrderIntake with the database unreachable", () => {
  test("checkReady names the dependency and submit rejects (the API answers 503)", async () => {
    const db = createDatabase(databaseConfigFromUrl("postgres://postgres@127.0.0.1:1/none", 1));
    const intake = new TableOrderIntake(db);
    try {
      await assert.rejects(
        intake.checkReady(),
        /order table \(postgres\) unreachable: .*(ECONNREFUSED|connect)/i,
      );
      await assert.rejects(intake.submit(order([{ sku: "TI-X", quantity: 1 }])), /ECONNREFUSED|connect/i);
    } finally {
      await db.destroy();
    }
  });
});
