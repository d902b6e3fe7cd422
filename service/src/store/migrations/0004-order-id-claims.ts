/**
 * Claims of client-chosen order ids (store/order-id-claims.ts): the first customer to use an id owns
 * it, synchronously, before the order goes to the intake — so a second customer reusing it is told
 * 409 at once instead of getting a 202 for an order a worker would then drop as a duplicate.
 */
import { sql } from "kysely";
import type { DbEngine } from "../../contract.js";
import type { AnyKysely } from "../dialect/index.js";
import type { SchemaMigration } from "./migration.js";

export const orderIdClaims: SchemaMigration = {
  name: "0004_order_id_claims",
  async up(db: AnyKysely, engine: DbEngine): Promise<void> {
    const pg = engine === "postgres";
    await db.schema
      .createTable("order_id_claims")
      .addColumn("order_id", pg ? sql`uuid` : sql`char(36)`, (c) => c.primaryKey())
      .addColumn(
        "customer_id",
        pg ? sql`varchar(128)` : sql`varchar(128) character set utf8mb4 collate utf8mb4_bin`,
        (c) => c.notNull(),
      )
      .addColumn("claimed_at", pg ? sql`timestamptz(3)` : sql`datetime(3)`, (c) => c.notNull())
      .execute();
  },
};
