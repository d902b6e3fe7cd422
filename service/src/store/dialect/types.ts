/**
 * Everything that differs between the two SQL engines the service speaks, behind one interface: the
 * rest of the store is written against `Kysely<Database>` and asks `dialectOf(db)` for these few
 * statements, and nothing outside this folder knows a driver error code.
 */
import type { Dialect, Kysely, RawBuilder, SelectQueryBuilder } from "kysely";
import type { DatabaseConfig } from "../../config.js";
import type { DbEngine } from "../../contract.js";

/** Any Kysely instance or transaction, whatever its schema (migrations, lease tables, bulk writes). */
// biome-ignore lint/suspicious/noExplicitAny: the schema differs per migration and per caller
export type AnyKysely = Kysely<any>;

/**
 * What a failed statement means for the caller:
 * - `retryable`: deadlock, serialization failure, lock timeout — run the whole transaction again;
 * - `duplicate`: a unique key already holds the row (an insert-if-absent lost a race: run it again
 *   and it sees the row);
 * - `unstorable`: the database refused a row's values (too long, wrong type, constraint) — retrying
 *   the same values never helps, the rows beside it would be stored on their own;
 * - `outage`: the database cannot be used right now (connection refused or lost, shutting down, too
 *   many connections, credentials refused during a rotation) — answer 503 and let the caller retry.
 */
export type StorageErrorClass = "retryable" | "duplicate" | "unstorable" | "outage";

/** A column of a set-based write and its PostgreSQL element type (used for the unnest cast). */
export interface BulkColumn {
  readonly name: string;
  readonly pgType: string;
}

/** Rows to insert unless their key is already stored. */
export interface InsertIfAbsent {
  readonly table: string;
  /** The unique key rows are matched on; its first column is returned and referenced by children. */
  readonly keys: readonly string[];
  readonly columns: readonly BulkColumn[];
  /** Values in `columns` order. */
  readonly rows: readonly (readonly unknown[])[];
  /** Rows written only for the parents this call inserts; a child's first column is the parent's first key. */
  readonly children?: readonly {
    readonly table: string;
    readonly columns: readonly BulkColumn[];
    readonly rows: readonly (readonly unknown[])[];
  }[];
}

/** One statement that updates many rows, each to its own values, matched by `key`. */
export interface RowsUpdate {
  readonly table: string;
  readonly key: BulkColumn;
  /** Columns set from each row; `add: true` adds the row's value to the stored one instead. */
  readonly columns: readonly (BulkColumn & { readonly add?: boolean })[];
  /** `[key, ...values in columns order]` per row. */
  readonly rows: readonly (readonly unknown[])[];
  /** Columns set to one value on every row (e.g. updated_at). */
  readonly constant?: Readonly<Record<string, unknown>>;
  /** Only rows whose `column` holds one of `values` change (e.g. the statuses a transition leaves). */
  readonly guard?: { readonly column: string; readonly values: readonly string[] };
}

/** An UPDATE both ways: as it is, and with the RETURNING clause PostgreSQL adds to it. */
export interface ReturningUpdate<Row> {
  execute(): Promise<unknown>;
  returning(): Promise<Row[]>;
}

export interface SqlDialect {
  readonly engine: DbEngine;
  /** A Kysely dialect over a new connection pool to `url` (the writer or the reader endpoint). */
  pool(config: DatabaseConfig, url: string): Dialect;
  /** The class of a driver error of this engine; undefined when the error is not one it knows. */
  classify(error: unknown): StorageErrorClass | undefined;
  /** Inserts `rows` (values in `columns` order) into `table` in as few statements as the engine allows. */
  insertRows(
    db: AnyKysely,
    table: string,
    columns: readonly BulkColumn[],
    rows: readonly (readonly unknown[])[],
  ): Promise<void>;
  /**
   * Inserts the rows whose key is not stored yet — and the children of exactly those rows — in one
   * atomic step; returns the first key column of the rows inserted. A concurrent writer of the same
   * key can make it throw an error classified `duplicate` (MySQL); running it again settles it.
   */
  insertIfAbsent(db: AnyKysely, spec: InsertIfAbsent): Promise<string[]>;
  /**
   * `insertIfAbsent` (no children) and a read that does not depend on it, in one round trip where
   * the engine allows: on PostgreSQL one statement, whose read sees the rows as they were before the
   * insert; on MySQL the two side by side on two pooled connections, where the read may or may not
   * see the insert. Returns the keys inserted and the read's rows (on PostgreSQL as JSON values:
   * read only text and numbers this way). The insert can throw `duplicate` as `insertIfAbsent` does.
   */
  insertIfAbsentBeside<Row>(
    db: AnyKysely,
    spec: InsertIfAbsent,
    // biome-ignore lint/suspicious/noExplicitAny: any schema; only the selected row type matters
    read: SelectQueryBuilder<any, any, Row>,
  ): Promise<{ inserted: string[]; rows: Row[] }>;
  /** INSERT of one row, or UPDATE of `update` when `keys` already exist. */
  upsert(
    db: AnyKysely,
    table: string,
    keys: readonly string[],
    values: Record<string, unknown>,
    update: Record<string, unknown>,
  ): Promise<void>;
  /** Each row of `spec.rows` updated to its own values, in one statement. */
  updateRows(db: AnyKysely, spec: RowsUpdate): Promise<void>;
  /**
   * Runs an UPDATE and returns `columns` of the rows it changed: RETURNING on PostgreSQL; on MySQL,
   * which has none, the rows `readBack` selects afterwards (it must select what the update matched).
   */
  updateReturning<Row>(update: ReturningUpdate<Row>, readBack: () => Promise<Row[]>): Promise<Row[]>;
  /** `column IN (values)`: one array parameter on PostgreSQL (any length), one placeholder per value on MySQL. */
  inList(column: string, values: readonly unknown[], pgType: string): RawBuilder<boolean>;
  /** The database server's clock (so leases do not depend on the workers' clocks agreeing). */
  now(): RawBuilder<Date>;
  /** The database server's clock plus `ms` milliseconds. */
  nowPlusMillis(ms: number): RawBuilder<Date>;
}
