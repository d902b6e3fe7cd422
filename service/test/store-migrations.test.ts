import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { dialectOf } from "../src/store/dialect/index.js";
import { MIGRATIONS, MigrationError, migrate } from "../src/store/migrations/index.js";
import { createTestMysqlDatabase } from "./store-helpers.js";
import { createTestDatabase, optionalService, type TestDatabase } from "./support/services.js";

let test_db: TestDatabase;
let db: ReturnType<typeof createDatabase>;
before(async () => {
  test_db = await createTestDatabase("migrations");
  db = createDatabase(databaseConfigFromUrl(test_db.url));
});
after(async () => {
  await db?.destroy();
  await test_db?.drop();
});

test("migrate applies every migration once; a second run applies nothing", async () => {
  assert.equal(dialectOf(db).engine, "postgres");
  assert.deepEqual(
    await migrate(db),
    MIGRATIONS.map((m) => m.name),
  );
  assert.deepEqual(await migrate(db), []);
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables
    where table_schema = 'public' order by table_name`.execute(db);
  const names = tables.rows.map((r) => r.table_name);
  for (const table of ["products", "orders", "order_items", "order_status_history", "idempotency_keys"]) {
    assert.ok(names.includes(table), `${table} exists`);
  }
});

test("concurrent migrate calls (several tasks starting at once) apply each migration once", async () => {
  const other = await createTestDatabase("migrations_race");
  const dbs = Array.from({ length: 3 }, () => createDatabase(databaseConfigFromUrl(other.url, 2)));
  try {
    const results = await Promise.all(dbs.map((d) => migrate(d)));
    assert.deepEqual(results.flat().sort(), MIGRATIONS.map((m) => m.name).sort());
  } finally {
    await Promise.all(dbs.map((d) => d.destroy()));
    await other.drop();
  }
});

test("timestamps keep milliseconds and money columns read back as numbers", async () => {
  const at = new Date("2026-07-01T01:02:03.456Z");
  await db
    .insertInto("products")
    .values({
      sku: "M1",
      name: "m",
      unit_price: 9_007_199_254_740_991,
      currency: "EUR",
      stock: 1,
      updated_at: at,
    })
    .execute();
  const row = await db.selectFrom("products").selectAll().where("sku", "=", "M1").executeTakeFirstOrThrow();
  assert.equal(row.updated_at.toISOString(), at.toISOString());
  assert.equal(row.unit_price, Number.MAX_SAFE_INTEGER);
  await db.updateTable("products").set({ unit_price: sql`unit_price + 1` }).where("sku", "=", "M1").execute();
  await assert.rejects(
    db.selectFrom("products").selectAll().where("sku", "=", "M1").execute(),
    /outside the safe integer range/,
  );
  await db.deleteFrom("products").where("sku", "=", "M1").execute();
});

test("constraints: status and rejection reason must be known values", async () => {
  const now = new Date();
  const row = {
    order_id: "00000000-0000-4000-8000-0000000000aa",
    customer_id: "c",
    currency: "EUR",
    rejection_reason: null,
    total: 0,
    accepted_at: now,
    created_at: now,
    updated_at: now,
  };
  await assert.rejects(
    db
      .insertInto("orders")
      .values({ ...row, status: "SHIPPED" as never })
      .execute(),
    /check constraint/,
  );
  await assert.rejects(
    db
      .insertInto("orders")
      .values({ ...row, status: "REJECTED", rejection_reason: "BECAUSE" as never })
      .execute(),
    /check constraint/,
  );
});

test("a migration list out of name order is refused before anything runs", async () => {
  const noop = async () => {};
  await assert.rejects(
    migrate(db, [
      { name: "0002_b", up: noop },
      { name: "0001_a", up: noop },
    ]),
    /must sort after/,
  );
});

test("a failing migration raises MigrationError naming it, and is not recorded as applied", async () => {
  const broken = [
    ...MIGRATIONS,
    {
      name: "9999_broken",
      up: async (d: typeof db) => {
        await sql`create table this_is not valid sql`.execute(d);
      },
    },
  ];
  const error = await migrate(db, broken).catch((e: unknown) => e);
  assert.ok(error instanceof MigrationError);
  assert.match(error.message, /9999_broken/);
  assert.deepEqual(error.applied, []);
  assert.deepEqual(await migrate(db), []);
});

describe("on MySQL", { skip: optionalService("MYSQL_URL").skip }, () => {
  test("migrate applies once, concurrently too, and keeps milliseconds in UTC", async () => {
    const target = await createTestMysqlDatabase(optionalService("MYSQL_URL").url!, "migrations");
    const dbs = Array.from({ length: 3 }, () => createDatabase(databaseConfigFromUrl(target.url, 2)));
    try {
      assert.equal(dialectOf(dbs[0]!).engine, "mysql");
      const results = await Promise.all(dbs.map((d) => migrate(d)));
      assert.deepEqual(results.flat().sort(), MIGRATIONS.map((m) => m.name).sort());
      assert.deepEqual(await migrate(dbs[0]!), []);
      const at = new Date("2026-07-01T01:02:03.456Z");
      await dbs[0]!
        .insertInto("products")
        .values({ sku: "Aa", name: "m", unit_price: 1, currency: "EUR", stock: 1, updated_at: at })
        .execute();
      // Case-sensitive identifiers, as on PostgreSQL.
      await dbs[0]!
        .insertInto("products")
        .values({ sku: "aA", name: "m", unit_price: 1, currency: "EUR", stock: 1, updated_at: at })
        .execute();
      const row = await dbs[0]!
        .selectFrom("products")
        .selectAll()
        .where("sku", "=", "Aa")
        .executeTakeFirstOrThrow();
      assert.equal(row.updated_at.toISOString(), at.toISOString());
      await assert.rejects(
        dbs[0]!.updateTable("products").set({ stock: -1 }).where("sku", "=", "Aa").execute(),
        /constraint/i,
      );
    } finally {
      await Promise.all(dbs.map((d) => d.destroy()));
      await target.drop();
    }
  });
});
