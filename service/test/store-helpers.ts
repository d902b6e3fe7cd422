/**
 * Shared set-up for the store tests: a migrated database of their own, and small builders for
 * products and accepted orders.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { AcceptedOrder, Product } from "../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { migrate } from "../src/store/migrations/index.js";
import type { Database } from "../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

export interface MigratedDatabase {
  db: Kysely<Database>;
  test: TestDatabase;
  url: string;
  close(): Promise<void>;
}

export async function migratedDatabase(label: string, poolMax = 10): Promise<MigratedDatabase> {
  const test = await createTestDatabase(label);
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
