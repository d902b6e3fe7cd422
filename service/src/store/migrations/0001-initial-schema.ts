/**
 * The order tables: catalog, orders with their priced items and status history, and stored idempotent
 * responses. Written once for both engines; the only differences are the names of the types
 * (uuid/timestamptz/jsonb on PostgreSQL, char(36)/datetime(3)/json on MySQL).
 */
import { sql } from "kysely";
import type { DbEngine } from "../../contract.js";
import { ORDER_STATUSES, REJECTION_REASONS } from "../../orders/types.js";
import type { AnyKysely } from "../dialect/index.js";
import type { SchemaMigration } from "./migration.js";

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

export const initialSchema: SchemaMigration = {
  name: "0001_initial_schema",
  async up(db: AnyKysely, engine: DbEngine): Promise<void> {
    const pg = engine === "postgres";
    // Millisecond precision, the precision of a JS Date, so a value read back equals the one written.
    const timestamp = pg ? sql`timestamptz(3)` : sql`datetime(3)`;
    const uuid = pg ? sql`uuid` : sql`char(36)`;
    const json = pg ? sql`jsonb` : sql`json`;
    // Identifiers compare exactly (case-sensitive, byte-wise) on both engines: MySQL's default
    // collation would make "sku-a" and "SKU-A" one product, PostgreSQL two.
    const text = (length: number) =>
      pg
        ? sql.raw(`varchar(${length})`)
        : sql.raw(`varchar(${length}) character set utf8mb4 collate utf8mb4_bin`);

    await db.schema
      .createTable("products")
      .addColumn("sku", text(64), (c) => c.primaryKey())
      .addColumn("name", "varchar(200)", (c) => c.notNull())
      .addColumn("unit_price", "bigint", (c) => c.notNull().check(sql`unit_price >= 0`))
      .addColumn("currency", "char(3)", (c) => c.notNull())
      // The database itself refuses to oversell, whatever a bug above it does.
      .addColumn("stock", "integer", (c) => c.notNull().check(sql`stock >= 0`))
      .addColumn("updated_at", timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("orders")
      .addColumn("order_id", uuid, (c) => c.primaryKey())
      .addColumn("customer_id", text(128), (c) => c.notNull())
      .addColumn("currency", "char(3)", (c) => c.notNull())
      .addColumn("status", "varchar(16)", (c) =>
        c.notNull().check(sql`status in (${inList(ORDER_STATUSES)})`),
      )
      .addColumn("rejection_reason", "varchar(32)", (c) =>
        c.check(sql`rejection_reason is null or rejection_reason in (${inList(REJECTION_REASONS)})`),
      )
      .addColumn("total", "bigint", (c) => c.notNull().defaultTo(0).check(sql`total >= 0`))
      .addColumn("accepted_at", timestamp, (c) => c.notNull())
      .addColumn("created_at", timestamp, (c) => c.notNull())
      .addColumn("updated_at", timestamp, (c) => c.notNull())
      .execute();
    // A customer's orders, newest first, with order_id as the keyset tie-breaker (GET /orders).
    await db.schema
      .createIndex("orders_customer_created_idx")
      .on("orders")
      .columns(["customer_id", "created_at desc", "order_id"])
      .execute();
    // Admin listing by status, and the table-mode queue scan of PENDING orders oldest first.
    await db.schema
      .createIndex("orders_status_created_idx")
      .on("orders")
      .columns(["status", "created_at"])
      .execute();

    await db.schema
      .createTable("order_items")
      .addColumn("order_id", uuid, (c) => c.notNull().references("orders.order_id").onDelete("cascade"))
      .addColumn("line_no", "smallint", (c) => c.notNull())
      .addColumn("sku", text(64), (c) => c.notNull())
      .addColumn("quantity", "integer", (c) => c.notNull().check(sql`quantity > 0`))
      .addColumn("unit_price", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("line_total", "bigint", (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("order_items_pk", ["order_id", "line_no"])
      .execute();

    await db.schema
      .createTable("order_status_history")
      .addColumn("order_id", uuid, (c) => c.notNull().references("orders.order_id").onDelete("cascade"))
      .addColumn("seq", "smallint", (c) => c.notNull())
      .addColumn("status", "varchar(16)", (c) => c.notNull())
      .addColumn("reason", "varchar(32)")
      .addColumn("at", timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("order_status_history_pk", ["order_id", "seq"])
      .execute();

    await db.schema
      .createTable("idempotency_keys")
      .addColumn("scope", text(128), (c) => c.notNull())
      .addColumn("idem_key", text(255), (c) => c.notNull())
      .addColumn("request_hash", "varchar(128)", (c) => c.notNull())
      .addColumn("status_code", "smallint", (c) => c.notNull())
      .addColumn("body", json, (c) => c.notNull())
      .addColumn("headers", json, (c) => c.notNull())
      .addColumn("created_at", timestamp, (c) =>
        c.notNull().defaultTo(pg ? sql`now()` : sql`(utc_timestamp(3))`),
      )
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["scope", "idem_key"])
      .execute();
    // Expiring old keys scans by age.
    await db.schema
      .createIndex("idempotency_keys_created_idx")
      .on("idempotency_keys")
      .column("created_at")
      .execute();
  },
};
