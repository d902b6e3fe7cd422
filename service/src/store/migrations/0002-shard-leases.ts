/**
 * Shard leases and checkpoints of the stream workers (store/leases.ts). One row per shard of a
 * stream: who owns it until when, the fencing token that changes on every change of owner, the last
 * sequence number committed (written in the same transaction as the orders it covers), and whether the
 * shard was read to its end (SHARD_END), which releases its children after a reshard.
 */
import { type Kysely, sql } from "kysely";
import type { DbEngine } from "../../contract.js";
import type { SchemaMigration } from "./migration.js";

export const shardLeases: SchemaMigration = {
  name: "0002_shard_leases",
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
  async up(db: Kysely<any>, engine: DbEngine): Promise<void> {
    const timestamp = engine === "postgres" ? sql`timestamptz(3)` : sql`datetime(3)`;
    await db.schema
      .createTable("shard_leases")
      .addColumn("stream_name", "varchar(128)", (c) => c.notNull())
      .addColumn("shard_id", "varchar(128)", (c) => c.notNull())
      // JSON array of parent shard ids (text: read whole, never queried into).
      .addColumn("parent_shard_ids", "varchar(400)", (c) => c.notNull().defaultTo("[]"))
      .addColumn("owner", "varchar(255)")
      .addColumn("lease_expires_at", timestamp)
      .addColumn("fencing_token", "bigint", (c) => c.notNull().defaultTo(0))
      // Kinesis sequence numbers are decimal strings of up to 128 digits.
      .addColumn("checkpoint", "varchar(128)")
      .addColumn("finished", "boolean", (c) => c.notNull().defaultTo(false))
      .addColumn("updated_at", timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("shard_leases_pk", ["stream_name", "shard_id"])
      .execute();
  },
};
