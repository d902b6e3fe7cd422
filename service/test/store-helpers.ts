/**
 * Shared set-up for the store tests: a migrated database of their own, and small builders for
 * products and accepted orders.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { createConnection } from "mysql2/promise";
import type { DbEngine } from "../src/contract.js";
import type { AcceptedOrder, Product } from "../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { migrate } from "../src/store/migrations/index.js";
import type { Database } from "../src/store/schema.js";
import { createTestDatabase, optionalService, type TestDatabase } from "./support/services.js";

export interface MigratedDatabase {
  db: Kysely<Database>;
  test: TestDatabase;
  url: string;
  close(): Promise<void>;
}

/** A fresh, uniquely named MySQL/MariaDB database on the server in `baseUrl` (MYSQL_URL). */
export async function createTestMysqlDatabase(baseUrl: string, label: string): Promise<TestDatabase> {
  const name = `fastcart_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = await createConnection({ uri: baseUrl });
  try {
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = await createConnection({ uri: baseUrl });
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function migratedDatabase(
  label: string,
  poolMax = 10,
  engine: DbEngine = "postgres",
): Promise<MigratedDatabase> {
  const test =
    engine === "postgres"
      ? await createTestDatabase(label)
      : await createTestMysqlDatabase(optionalService("MYSQL_URL").url!, label);
  const db = createDatabase(databaseConfigFromUrl(test.url, poolMax));
  await migrate(db);
  return {
    db,
    test,
    url: test.url,
    close: async () => {
      await db.destroy();
      await test.drop();
    },
  };
}

export async function insertProducts(db: Kysely<Database>, products: Product[]): Promise<void> {
  await db
    .insertInto("products")
    .values(
      products.map((p) => ({
        sku: p.sku,
        name: p.name,
        unit_price: p.unitPrice,
        currency: p.currency,
        stock: p.stock,
        updated_at: new Date(),
      })),
    )
    .execute();
}

export function product(sku: string, stock: number, unitPrice = 100, currency = "EUR"): Product {
  return { sku, name: `Product ${sku}`, unitPrice, currency, stock };
}

export function order(
  items: { sku: string; quantity: number }[],
  overrides: Partial<AcceptedOrder> = {},
): AcceptedOrder {
  return {
    orderId: randomUUID(),
    customerId: "customer-1",
    currency: "EUR",
    items,
    acceptedAt: new Date(Date.now() - 1000).toISOString(),
    ...overrides,
  };
}

export async function stockOf(db: Kysely<Database>, sku: string): Promise<number> {
  const row = await db
    .selectFrom("products")
    .select("stock")
    .where("sku", "=", sku)
    .executeTakeFirstOrThrow();
  return row.stock;
}

/** The engines the store suites run on: PostgreSQL always, MySQL/MariaDB when MYSQL_URL is set. */
export const ENGINES: { engine: DbEngine; skip: string | false }[] = [
  { engine: "postgres", skip: false },
  { engine: "mysql", skip: optionalService("MYSQL_URL").skip },
];

/** Transactions of this database currently waiting for a row lock. */
export async function lockWaits(db: Kysely<Database>, engine: DbEngine): Promise<number> {
  const result =
    engine === "postgres"
      ? await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from information_schema.innodb_trx
          where trx_state = 'LOCK WAIT'`.execute(db);
  return Number(result.rows[0]!.n);
}
