/**
 * The connection factory and transaction helpers: TLS is really requested when configured, the
 * engine is recognised, READ COMMITTED is in force, and a real deadlock is classified as retryable.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { classifyStorageError, dialectOf } from "../src/store/dialect/index.js";
import { withTransaction } from "../src/store/transaction.js";
import { ENGINES, insertProducts, migratedDatabase, product } from "./store-helpers.js";
import { perSuite } from "./support/per-suite.js";
import { optionalService } from "./support/services.js";

test("databaseConfigFromUrl picks the engine from the scheme", () => {
  assert.deepEqual(databaseConfigFromUrl("postgres://u@h/d", 3), {
    engine: "postgres",
    url: "postgres://u@h/d",
    readerUrl: "postgres://u@h/d",
    tls: false,
    poolMax: 3,
  });
  assert.equal(databaseConfigFromUrl("postgresql://u@h/d").engine, "postgres");
  assert.equal(databaseConfigFromUrl("mysql://u@h/d").engine, "mysql");
});

test("with tls the PostgreSQL client insists on TLS (this server offers none, so it refuses)", async () => {
  const url = process.env.DATABASE_URL!;
  const db = createDatabase({ ...databaseConfigFromUrl(url), tls: true });
  try {
    await assert.rejects(sql`select 1`.execute(db), /SSL|TLS/i);
  } finally {
    await db.destroy();
  }
  const plain = createDatabase(databaseConfigFromUrl(url));
  await sql`select 1`.execute(plain);
  await plain.destroy();
});

test("with tls the MySQL client insists on TLS", { skip: optionalService("MYSQL_URL").skip }, async () => {
  const url = optionalService("MYSQL_URL").url!;
  const db = createDatabase({ ...databaseConfigFromUrl(url), tls: true });
  try {
    // Either the server has no TLS, or its certificate is not trusted: never a plain connection.
    await assert.rejects(sql`select 1`.execute(db), /SSL|TLS|secure|certificate|self[- ]signed/i);
  } finally {
    await db.destroy();
  }
});

test("PostgreSQL BIGINT and NUMERIC arrive as numbers", async () => {
  const db = createDatabase(databaseConfigFromUrl(process.env.DATABASE_URL!));
  try {
    const { rows } = await sql<{ big: number; fraction: number; count: number }>`select
      9007199254740991::int8 as big, 1.5::numeric as fraction, count(*) as count from (values (1), (2)) v`.execute(
      db,
    );
    assert.deepEqual(rows[0], { big: Number.MAX_SAFE_INTEGER, fraction: 1.5, count: 2 });
  } finally {
    await db.destroy();
  }
});

test("the reader option connects to readerUrl", async () => {
  const url = process.env.DATABASE_URL!;
  const config = { ...databaseConfigFromUrl(url), readerUrl: "postgres://postgres@127.0.0.1:1/nothing" };
  const reader = createDatabase(config, { reader: true });
  const writer = createDatabase(config);
  try {
    await sql`select 1`.execute(writer);
    await assert.rejects(sql`select 1`.execute(reader), /ECONNREFUSED|connect/);
  } finally {
    await reader.destroy();
    await writer.destroy();
  }
});

for (const { engine, skip } of ENGINES) {
  describe(`transactions on ${engine}`, { skip }, () => {
    const m = perSuite(() => migratedDatabase("transactions", 4, engine));

    test("engineOf recognises the engine, also inside a transaction", async () => {
      assert.equal(dialectOf(m.db).engine, engine);
      await withTransaction(m.db, async (trx) => assert.equal(dialectOf(trx).engine, engine));
    });

    test("withTransaction runs READ COMMITTED", async () => {
      const level = await withTransaction(m.db, async (trx) => {
        const result =
          engine === "postgres"
            ? await sql<{ level: string }>`select current_setting('transaction_isolation') as level`.execute(
                trx,
              )
            : await (async () => {
                // @@tx_isolation shows the session default; SET TRANSACTION changes only the next
                // transaction, so ask InnoDB about the transaction this connection has open.
                await sql`select count(*) from products for update`.execute(trx);
                return sql<{
                  level: string;
                }>`select trx_isolation_level as level from information_schema.innodb_trx
                  where trx_mysql_thread_id = connection_id()`.execute(trx);
              })();
        return result.rows[0]!.level;
      });
      assert.match(level.toLowerCase(), /read.committed/);
    });

    test("a real deadlock is classified as retryable; other errors are not", async () => {
      await insertProducts(m.db, [product("D-1", 1), product("D-2", 1)]);
      let release!: () => void;
      const bothLocked = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = 0;
      const lockThenCross = (first: string, second: string) =>
        withTransaction(m.db, async (trx) => {
          await trx.updateTable("products").set({ stock: 1 }).where("sku", "=", first).execute();
          if (++locked === 2) release();
          await bothLocked;
          await trx.updateTable("products").set({ stock: 1 }).where("sku", "=", second).execute();
        });
      const results = await Promise.allSettled([lockThenCross("D-1", "D-2"), lockThenCross("D-2", "D-1")]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(failures.length, 1, "the database breaks the deadlock by failing one transaction");
      assert.equal(classifyStorageError(failures[0]!.reason) === "retryable", true);
      const other = await sql`select * from no_such_table`.execute(m.db).catch((e: unknown) => e);
      assert.equal(classifyStorageError(other) === "retryable", false);
      assert.equal(classifyStorageError(undefined) === "retryable", false);
      assert.equal(classifyStorageError("40P01") === "retryable", false);
    });
  });
}
