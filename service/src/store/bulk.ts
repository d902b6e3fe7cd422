/**
 * Set-based writes of many rows. A batch of 500 orders is ~500 order rows, 1,000 history rows and up
 * to 50,000 item rows: one statement per table, not one per row.
 *
 * PostgreSQL: `INSERT … SELECT * FROM unnest($1::type[], …)` sends one array parameter per column,
 * whatever the row count (no 65,535-parameter limit, one small statement to parse).
 * MySQL: multi-row VALUES, chunked so a statement stays under the placeholder limit.
 */
import { sql } from "kysely";
import { type AnyKysely, engineOf } from "./database.js";

/** A column of a bulk write and its PostgreSQL element type (used for the unnest cast). */
export interface BulkColumn {
  name: string;
  pgType: string;
}

const MYSQL_MAX_PLACEHOLDERS = 60_000;

/** Inserts `rows` (values in `columns` order) into `table`. */
export async function insertRows(
  db: AnyKysely,
  table: string,
  columns: readonly BulkColumn[],
  rows: unknown[][],
) {
  if (rows.length === 0) return;
  if (engineOf(db) === "postgres") {
    const arrays = columns.map((_, i) => rows.map((row) => row[i]));
    const names = sql.join(columns.map((c) => sql.ref(c.name)));
    const unnest = sql.join(columns.map((c, i) => sql`${arrays[i]}::${sql.raw(c.pgType)}[]`));
    await sql`insert into ${sql.table(table)} (${names}) select * from unnest(${unnest})`.execute(db);
    return;
  }
  const perStatement = Math.max(1, Math.floor(MYSQL_MAX_PLACEHOLDERS / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    await db
      .insertInto(table)
      .values(chunk.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i]]))))
      .execute();
  }
}

/**
 * `values` as a parameter list for `column IN (…)` / `= any(…)`: PostgreSQL gets one array parameter
 * (any length), MySQL one placeholder per value.
 */
export function inList(db: AnyKysely, column: string, values: readonly unknown[], pgType: string) {
  if (engineOf(db) === "postgres")
    return sql<boolean>`${sql.ref(column)} = any(${values}::${sql.raw(pgType)}[])`;
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values)})`;
}
