/**
 * PostgreSQL (RDS, local, tests) through `pg`: arrays and `unnest` make every set-based statement one
 * small statement with one parameter per column, whatever the row count (no 65,535-parameter limit).
 */
import { sql } from "kysely";
import { driverCodes } from "./common.js";
import { postgresPool } from "./postgres-pool.js";
import type { AnyKysely, BulkColumn, RowsUpdate, SqlDialect, StorageErrorClass } from "./types.js";

const RETRYABLE_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
]);
const OUTAGE_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  // invalid_password: during a credential rotation the old password is refused until the new one is
  // read, so it is transient — readiness reports it and callers retry.
  "28P01",
  "28000", // invalid_authorization_specification: the role is refused (no such role / pg_hba)
]);
const UNSTORABLE_CLASSES = new Set([
  "22", // data exception: value too long, invalid uuid text, out of range
  "23", // integrity constraint violation: not null, check, foreign key (23505 is handled first)
]);
const UNIQUE_VIOLATION = "23505";

function classify(error: unknown): StorageErrorClass | undefined {
  const { code, message } = driverCodes(error);
  if (typeof code === "string" && code.length === 5) {
    if (RETRYABLE_CODES.has(code)) return "retryable";
    if (code === UNIQUE_VIOLATION) return "duplicate";
    if (OUTAGE_CODES.has(code) || code.startsWith("08")) return "outage"; // 08: connection exception
    if (UNSTORABLE_CLASSES.has(code.slice(0, 2))) return "unstorable";
  }
  // pg-pool's connection timeout carries no code, only this message; nor does a session that the
  // server ended under a query (pg_terminate_backend, as a credential rotation does), nor the
  // ROLLBACK that Kysely then sends on that dead client (its error replaces the session's own).
  if (
    typeof message === "string" &&
    (message.includes("timeout exceeded when trying to connect") ||
      message.startsWith("Connection terminated") ||
      message.startsWith("Client has encountered a connection error"))
  )
    return "outage";
  return undefined;
}

function unnest(columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]) {
  // Dates are turned into text here, once per distinct instant: left to pg, every element of an array
  // parameter goes through its local-time dateToString, so the batch's one decision time was formatted
  // once per row (a sixth of the worker's CPU at load). ISO-8601 UTC is what timestamptz parses.
  const iso = new Map<number, string>();
  const text = (value: unknown): unknown => {
    if (!(value instanceof Date)) return value;
    const at = value.getTime();
    let formatted = iso.get(at);
    if (formatted === undefined) {
      formatted = value.toISOString();
      iso.set(at, formatted);
    }
    return formatted;
  };
  return sql.join(columns.map((c, i) => sql`${rows.map((row) => text(row[i]))}::${sql.raw(c.pgType)}[]`));
}

export const postgresDialect: SqlDialect = {
  engine: "postgres",
  pool: postgresPool,
  classify,

  async insertRows(db, table, columns, rows) {
    if (rows.length === 0) return;
    const names = sql.join(columns.map((c) => sql.ref(c.name)));
    await sql`insert into ${sql.table(table)} (${names}) select * from unnest(${unnest(columns, rows)})`.execute(
      db,
    );
  },

  /**
   * ONE statement (data-modifying CTEs), atomic on its own: ON CONFLICT DO NOTHING … RETURNING names
   * exactly the parent rows this statement inserted (a conflicting row still being written by another
   * transaction is waited for, then skipped), and only their children are inserted. Every
   * sub-statement of a WITH runs to completion whether or not the final SELECT reads it; foreign keys
   * of the children are checked at the end of the statement, when the new parents exist.
   */
  async insertIfAbsent(db, spec) {
    if (spec.rows.length === 0) return [];
    const key = spec.keys[0]!;
    const names = (columns: readonly BulkColumn[]) => sql.join(columns.map((c) => sql.ref(c.name)));
    const children = (spec.children ?? []).map(
      (child, i) => sql`, ${sql.raw(`child_${i}`)} as (
        insert into ${sql.table(child.table)} (${names(child.columns)})
        select c.* from unnest(${unnest(child.columns, child.rows)}) as c(${names(child.columns)})
        join fresh on fresh.${sql.ref(key)} = c.${sql.ref(child.columns[0]!.name)}
      )`,
    );
    const result = await sql<Record<string, unknown>>`with fresh as (
        insert into ${sql.table(spec.table)} (${names(spec.columns)})
        select * from unnest(${unnest(spec.columns, spec.rows)})
        on conflict (${sql.join(spec.keys.map((k) => sql.ref(k)))}) do nothing
        returning ${sql.ref(key)}
      )${sql.join(children, sql``)}
      select ${sql.ref(key)} from fresh`.execute(db);
    return result.rows.map((row) => String(row[key]));
  },

  async insertIfAbsentBeside(db, spec, read) {
    if (spec.children?.length)
      throw new Error("insertIfAbsentBeside: rows with children need insertIfAbsent");
    const key = spec.keys[0]!;
    const names = sql.join(spec.columns.map((c) => sql.ref(c.name)));
    // A data-modifying CTE runs to completion whether or not the query reads it; the read below it
    // sees the statement's snapshot, taken before the insert.
    const result = await sql<{ inserted: string[]; rows: unknown[] }>`with fresh as (
        insert into ${sql.table(spec.table)} (${names})
        select * from unnest(${unnest(spec.columns, spec.rows)})
        on conflict (${sql.join(spec.keys.map((k) => sql.ref(k)))}) do nothing
        returning ${sql.ref(key)}
      )
      select
        (select coalesce(array_agg(${sql.ref(key)}::text), '{}') from fresh) as inserted,
        (select coalesce(json_agg(r), '[]') from (${read}) r) as rows`.execute(db);
    const row = result.rows[0]!;
    return { inserted: row.inserted, rows: row.rows as never[] };
  },

  async upsert(db, table, keys, values, update) {
    await db
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.columns(keys as string[]).doUpdateSet(update))
      .execute();
  },

  async updateRows(db: AnyKysely, spec: RowsUpdate) {
    if (spec.rows.length === 0) return;
    const all = [spec.key, ...spec.columns];
    const sets = [
      ...spec.columns.map((c) =>
        c.add
          ? sql`${sql.ref(c.name)} = t.${sql.ref(c.name)} + d.${sql.ref(c.name)}`
          : sql`${sql.ref(c.name)} = d.${sql.ref(c.name)}`,
      ),
      ...Object.entries(spec.constant ?? {}).map(([name, value]) => sql`${sql.ref(name)} = ${value}`),
    ];
    const guard = spec.guard
      ? sql` and t.${sql.ref(spec.guard.column)} = any(${spec.guard.values}::varchar[])`
      : sql``;
    await sql`update ${sql.table(spec.table)} as t set ${sql.join(sets)}
      from unnest(${unnest(all, spec.rows)}) as d(${sql.join(all.map((c) => sql.ref(c.name)))})
      where t.${sql.ref(spec.key.name)} = d.${sql.ref(spec.key.name)}${guard}`.execute(db);
  },

  updateReturning(update) {
    return update.returning();
  },

  inList(column, values, pgType) {
    return sql<boolean>`${sql.ref(column)} = any(${values}::${sql.raw(pgType)}[])`;
  },

  now() {
    return sql<Date>`clock_timestamp()`;
  },

  nowPlusMillis(ms) {
    return sql<Date>`clock_timestamp() + ${ms} * interval '1 millisecond'`;
  },
};
