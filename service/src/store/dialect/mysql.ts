/**
 * MySQL (Aurora MySQL on the orders-api-prod stack) and MariaDB (tests) through `mysql2`: no arrays,
 * no RETURNING, no ON CONFLICT, so set-based writes are multi-row VALUES chunked under the placeholder
 * limit, per-row updates are CASE expressions, and insert-if-absent reads before it writes.
 */
import { sql } from "kysely";
import { withTransaction } from "../transaction.js";
import { driverCodes } from "./common.js";
import { mysqlPool } from "./mysql-pool.js";
import type { AnyKysely, RowsUpdate, SqlDialect, StorageErrorClass } from "./types.js";

const RETRYABLE_ERRNOS = new Set([
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
]);
const DUPLICATE_KEY = 1062; // ER_DUP_ENTRY
const UNSTORABLE_ERRNOS = new Set([
  1048, // ER_BAD_NULL_ERROR
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1292, // ER_TRUNCATED_WRONG_VALUE (bad datetime)
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1406, // ER_DATA_TOO_LONG
  1452, // ER_NO_REFERENCED_ROW_2
  3819, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL 8)
  4025, // ER_CONSTRAINT_FAILED (MariaDB check constraint)
]);
const OUTAGE_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR
  // ER_ACCESS_DENIED_ERROR: during a credential rotation the old password is refused until the new
  // one is read, so it is transient — readiness reports it and callers retry.
  1045,
  1927, // ER_CONNECTION_KILLED (MariaDB): the session was killed, as a credential rotation does
]);
const OUTAGE_CODES = new Set(["PROTOCOL_CONNECTION_LOST", "ER_CON_COUNT_ERROR"]);
const MAX_PLACEHOLDERS = 60_000;

function classify(error: unknown): StorageErrorClass | undefined {
  const { code, errno } = driverCodes(error);
  if (typeof errno === "number") {
    if (RETRYABLE_ERRNOS.has(errno)) return "retryable";
    if (errno === DUPLICATE_KEY) return "duplicate";
    if (UNSTORABLE_ERRNOS.has(errno)) return "unstorable";
    if (OUTAGE_ERRNOS.has(errno)) return "outage";
  }
  if (typeof code === "string" && OUTAGE_CODES.has(code)) return "outage";
  // mysql2 marks an error that ended the connection `fatal`. Without a server errno it is the
  // connection's own state: e.g. Kysely's ROLLBACK after a killed session fails with "Can't add new
  // command when connection is in closed state", and that error replaces the session's own.
  if ((error as { fatal?: unknown }).fatal === true && errno === undefined) return "outage";
  return undefined;
}

function byKey(spec: RowsUpdate, index: number) {
  return sql`case ${sql.ref(spec.key.name)} ${sql.join(
    spec.rows.map((row) => sql`when ${row[0]} then ${row[index + 1]}`),
    sql` `,
  )} end`;
}

export const mysqlDialect: SqlDialect = {
  engine: "mysql",
  pool: mysqlPool,
  classify,

  async insertRows(db, table, columns, rows) {
    const perStatement = Math.max(1, Math.floor(MAX_PLACEHOLDERS / columns.length));
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      await db
        .insertInto(table)
        .values(chunk.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i]]))))
        .execute();
    }
  },

  /**
   * Not INSERT IGNORE, which would also turn data errors (a value too long) into warnings: read which
   * keys exist, insert the rest with a plain INSERT, then the children of those, in one transaction.
   * Under READ COMMITTED a concurrent writer of the same key can slip in between; the INSERT then
   * fails with a duplicate key (class `duplicate`), everything rolls back and the caller runs again.
   */
  async insertIfAbsent(db, spec) {
    if (spec.rows.length === 0) return [];
    const at = spec.keys.map((k) => spec.columns.findIndex((c) => c.name === k));
    const keyOf = (row: readonly unknown[]) => at.map((i) => String(row[i]).toLowerCase()).join("\u0000");
    const write = async (trx: AnyKysely) => {
      const tuples = spec.rows.map((row) => sql`(${sql.join(at.map((i) => row[i]))})`);
      const stored = await sql<Record<string, unknown>>`select ${sql.join(spec.keys.map((k) => sql.ref(k)))}
        from ${sql.table(spec.table)}
        where (${sql.join(spec.keys.map((k) => sql.ref(k)))}) in (${sql.join(tuples)})`.execute(trx);
      const present = new Set(
        stored.rows.map((row) => spec.keys.map((k) => String(row[k]).toLowerCase()).join("\u0000")),
      );
      const absent = spec.rows.filter((row) => !present.has(keyOf(row)));
      await mysqlDialect.insertRows(trx, spec.table, spec.columns, absent);
      const fresh = new Set(absent.map((row) => String(row[at[0]!]).toLowerCase()));
      for (const child of spec.children ?? []) {
        const rows = child.rows.filter((row) => fresh.has(String(row[0]).toLowerCase()));
        await mysqlDialect.insertRows(trx, child.table, child.columns, rows);
      }
      return absent.map((row) => String(row[at[0]!]));
    };
    if (db.isTransaction || (spec.children ?? []).length === 0) return write(db);
    return withTransaction(db, write);
  },

  async insertIfAbsentBeside(db, spec, read) {
    if (spec.children?.length)
      throw new Error("insertIfAbsentBeside: rows with children need insertIfAbsent");
    const [inserted, rows] = await Promise.all([mysqlDialect.insertIfAbsent(db, spec), read.execute()]);
    return { inserted, rows };
  },

  async upsert(db, table, _keys, values, update) {
    await db.insertInto(table).values(values).onDuplicateKeyUpdate(update).execute();
  },

  async updateRows(db: AnyKysely, spec: RowsUpdate) {
    if (spec.rows.length === 0) return;
    const sets = [
      ...spec.columns.map((c, i) =>
        c.add
          ? sql`${sql.ref(c.name)} = ${sql.ref(c.name)} + ${byKey(spec, i)}`
          : sql`${sql.ref(c.name)} = ${byKey(spec, i)}`,
      ),
      ...Object.entries(spec.constant ?? {}).map(([name, value]) => sql`${sql.ref(name)} = ${value}`),
    ];
    const guard = spec.guard
      ? sql` and ${sql.ref(spec.guard.column)} in (${sql.join(spec.guard.values)})`
      : sql``;
    await sql`update ${sql.table(spec.table)} set ${sql.join(sets)}
      where ${sql.ref(spec.key.name)} in (${sql.join(spec.rows.map((row) => row[0]))})${guard}`.execute(db);
  },

  async updateReturning(update, readBack) {
    await update.execute();
    return readBack();
  },

  inList(column, values) {
    return sql<boolean>`${sql.ref(column)} in (${sql.join(values)})`;
  },

  now() {
    return sql<Date>`now(3)`;
  },

  nowPlusMillis(ms) {
    return sql<Date>`date_add(now(3), interval ${ms * 1000} microsecond)`;
  },
};
