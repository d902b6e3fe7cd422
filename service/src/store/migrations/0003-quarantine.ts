/**
 * The quarantine (dead-letter) table: records and PENDING orders that failed to be decided a bounded
 * number of times, or could not be decoded at all, moved aside so they never block their shard or
 * queue — with everything needed to understand and replay them: the raw bytes, where they came from
 * (stream, shard, sequence and sub-sequence number; or the table-mode order), the error, how often it
 * was tried and when. `record_key` (unique) is that origin as one string, so quarantining the same
 * record twice (a replayed batch) keeps one row. Resolved rows stay, with how and why.
 */
import { sql } from "kysely";
import type { DbEngine } from "../../contract.js";
import type { AnyKysely } from "../dialect/index.js";
import type { SchemaMigration } from "./migration.js";

export const quarantine: SchemaMigration = {
  name: "0003_quarantine",
  async up(db: AnyKysely, engine: DbEngine): Promise<void> {
    const pg = engine === "postgres";
    const timestamp = pg ? sql`timestamptz(3)` : sql`datetime(3)`;
    const uuid = pg ? sql`uuid` : sql`char(36)`;
    // A Kinesis record holds up to 1 MiB: bytea / mediumblob (16 MiB) hold any of them as they were.
    const bytes = pg ? sql`bytea` : sql`mediumblob`;
    const text = (length: number) =>
      pg
        ? sql.raw(`varchar(${length})`)
        : sql.raw(`varchar(${length}) character set utf8mb4 collate utf8mb4_bin`);
    await db.schema
      .createTable("quarantined_records")
      .addColumn("quarantine_id", uuid, (c) => c.primaryKey())
      .addColumn("record_key", text(400), (c) => c.notNull().unique())
      .addColumn("intake", "varchar(16)", (c) => c.notNull().check(sql`intake in ('stream', 'table')`))
      .addColumn("stream_name", text(128))
      .addColumn("shard_id", text(128))
      .addColumn("sequence_number", "varchar(130)")
      .addColumn("sub_sequence_number", "integer")
      .addColumn("partition_key", text(256))
      .addColumn("order_id", uuid)
      .addColumn("raw_data", bytes, (c) => c.notNull())
      .addColumn("reason", "varchar(16)", (c) => c.notNull())
      .addColumn("error", "varchar(2000)", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("first_seen_at", timestamp, (c) => c.notNull())
      .addColumn("last_seen_at", timestamp, (c) => c.notNull())
      .addColumn("state", "varchar(16)", (c) =>
        c.notNull().check(sql`state in ('QUARANTINED', 'REPLAYED', 'DISCARDED')`),
      )
      .addColumn("resolution", "varchar(500)")
      .addColumn("resolved_at", timestamp)
      .execute();
    // Operators list the open ones, newest first; table mode skips quarantined orders when claiming.
    await db.schema
      .createIndex("quarantined_records_state_idx")
      .on("quarantined_records")
      .columns(["state", "last_seen_at"])
      .execute();
    await db.schema
      .createIndex("quarantined_records_order_idx")
      .on("quarantined_records")
      .column("order_id")
      .execute();
  },
};
