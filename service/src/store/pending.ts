/**
 * Table mode's queue, kept in the orders table itself: the API writes an accepted order as a PENDING
 * row (with its unpriced items and the first history entry), a worker claims the oldest PENDING rows
 * with FOR UPDATE SKIP LOCKED — several workers take disjoint batches without waiting on each other —
 * and decides them with applyOrders in the same transaction, which updates the rows in place.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { canonicalOrderId } from "../orders/accept.js";
import type { AcceptedOrder } from "../orders/types.js";
import { inList, insertRows } from "./bulk.js";
import { ORDER_ITEM_COLUMNS, PENDING_HISTORY_COLUMNS, PENDING_ORDER_COLUMNS } from "./columns.js";
import { engineOf } from "./database.js";
import type { Database } from "./schema.js";
import { withTransaction } from "./transaction.js";

/**
 * Stores `order` as PENDING, in one transaction. Idempotent: when the id is already stored (a client
 * retry, whatever its status now) nothing changes and false is returned.
 */
export async function insertPendingOrder(db: Kysely<Database>, order: AcceptedOrder): Promise<boolean> {
  return (await insertPendingOrders(db, [order])).size === 1;
}

const MYSQL_DUPLICATE_KEY = 1062;
/** MySQL: a racing writer of the same id is settled by re-running the transaction (see below); this bounds it. */
const DUPLICATE_RACE_ATTEMPTS = 3;

/**
 * Stores every order of `orders` as PENDING — order rows, items and the first history entry — in ONE
 * transaction with one set-based INSERT per table (group commit for table-mode intake). Idempotent per
 * order id: an id already stored (a client retry, whatever its status now) is left untouched and gets
 * no second set of items or history; an id repeated within `orders` counts once, the first occurrence
 * stands. Returns the canonical ids written now (the others already existed). All or nothing: when it
 * throws, none of `orders` was written.
 *
 * Rows are inserted in ascending id order, so two concurrent batches that share ids take their
 * unique-index locks in the same order and wait for each other instead of deadlocking.
 *
 * PostgreSQL: ONE statement (data-modifying CTEs), atomic on its own — one round trip per batch
 * instead of BEGIN, three INSERTs and COMMIT. MySQL/MariaDB: a transaction (see insertOrderRowsIfAbsent).
 */
export async function insertPendingOrders(
  db: Kysely<Database>,
  orders: readonly AcceptedOrder[],
): Promise<Set<string>> {
  const byId = new Map<string, AcceptedOrder>();
  for (const order of orders) {
    const orderId = canonicalOrderId(order.orderId);
    if (!byId.has(orderId)) byId.set(orderId, order);
  }
  if (byId.size === 0) return new Set();
  const sorted = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (engineOf(db) === "postgres") return insertPendingOrdersPostgres(db, sorted);
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(db, async (trx) => {
        const fresh = new Set(await insertOrderRowsIfAbsent(trx, sorted));
        const written = sorted.filter(([orderId]) => fresh.has(orderId));
        await insertRows(
          trx,
          "order_items",
          ORDER_ITEM_COLUMNS,
          written.flatMap(([orderId, order]) =>
            order.items.map((item, i) => [orderId, i + 1, item.sku, item.quantity, 0, 0]),
          ),
        );
        await insertRows(
          trx,
          "order_status_history",
          PENDING_HISTORY_COLUMNS,
          written.map(([orderId, order]) => [orderId, 1, "PENDING", new Date(order.acceptedAt)]),
        );
        return fresh;
      });
    } catch (error) {
      // Another transaction committed one of these ids between our SELECT and INSERT. The whole
      // transaction was rolled back; run it again and the SELECT now sees that row.
      const duplicate = (error as { errno?: number }).errno === MYSQL_DUPLICATE_KEY;
      if (!duplicate || attempt >= DUPLICATE_RACE_ATTEMPTS) throw error;
    }
  }
}

/**
 * The whole batch as one statement: ON CONFLICT DO NOTHING … RETURNING names exactly the order rows
 * this statement inserted (a conflicting row still being written by another transaction is waited
 * for, then skipped), and only those get items and a history row. Every sub-statement of a WITH runs
 * to completion whether or not the final SELECT reads it; the foreign keys of items and history are
 * checked at the end of the statement, when the new order rows exist. Arrays, one per column, keep
 * the statement the same size whatever the batch size.
 */
async function insertPendingOrdersPostgres(
  db: Kysely<Database>,
  sorted: readonly [string, AcceptedOrder][],
): Promise<Set<string>> {
  const items = sorted.flatMap(([orderId, order]) =>
    order.items.map((item, i) => ({ orderId, line: i + 1, sku: item.sku, quantity: item.quantity })),
  );
  const result = await sql<{ order_id: string }>`
    with input as (
      select * from unnest(
        ${sorted.map(([orderId]) => orderId)}::uuid[],
        ${sorted.map(([, o]) => o.customerId)}::varchar[],
        ${sorted.map(([, o]) => o.currency)}::varchar[],
        ${sorted.map(([, o]) => new Date(o.acceptedAt))}::timestamptz[]
      ) as t(order_id, customer_id, currency, accepted_at)
    ), fresh as (
      insert into orders (order_id, customer_id, currency, status, total, accepted_at, created_at, updated_at)
      select order_id, customer_id, currency, 'PENDING', 0, accepted_at, accepted_at, accepted_at from input
      on conflict (order_id) do nothing
      returning order_id, accepted_at
    ), new_items as (
      insert into order_items (order_id, line_no, sku, quantity, unit_price, line_total)
      select i.order_id, i.line_no, i.sku, i.quantity, 0, 0
      from unnest(
        ${items.map((i) => i.orderId)}::uuid[],
        ${items.map((i) => i.line)}::int2[],
        ${items.map((i) => i.sku)}::varchar[],
        ${items.map((i) => i.quantity)}::int4[]
      ) as i(order_id, line_no, sku, quantity)
      join fresh on fresh.order_id = i.order_id
    ), new_history as (
      insert into order_status_history (order_id, seq, status, at)
      select order_id, 1, 'PENDING', accepted_at from fresh
    )
    select order_id from fresh`.execute(db);
  return new Set(result.rows.map((r) => r.order_id));
}

/**
 * MySQL/MariaDB: inserts the order rows whose id is not stored yet and returns those ids. There is no
 * RETURNING for INSERT, and INSERT IGNORE would also turn data errors (a value too long) into
 * warnings, so: read which ids exist, insert the rest with a plain INSERT. Under READ COMMITTED a
 * concurrent writer of the same id can slip in between; then the INSERT fails with a duplicate key
 * and the caller re-runs the transaction.
 */
async function insertOrderRowsIfAbsent(
  trx: Transaction<Database>,
  sorted: readonly [string, AcceptedOrder][],
): Promise<string[]> {
  const existing = await trx
    .selectFrom("orders")
    .select("order_id")
    .where(
      inList(
        trx,
        "order_id",
        sorted.map(([orderId]) => orderId),
        "uuid",
      ),
    )
    .execute();
  const stored = new Set(existing.map((r) => r.order_id.toLowerCase()));
  const absent = sorted.filter(([orderId]) => !stored.has(orderId));
  await insertRows(
    trx,
    "orders",
    PENDING_ORDER_COLUMNS,
    absent.map(([orderId, order]) => {
      const acceptedAt = new Date(order.acceptedAt);
      return [orderId, order.customerId, order.currency, "PENDING", 0, acceptedAt, acceptedAt, acceptedAt];
    }),
  );
  return absent.map(([orderId]) => orderId);
}

const PG_DATA_ERROR_CLASSES = new Set([
  "22", // data exception: value too long, invalid uuid text, out of range
  "23", // integrity constraint violation: not null, check, foreign key
]);
const MYSQL_DATA_ERRNOS = new Set([
  1048, // ER_BAD_NULL_ERROR
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1292, // ER_TRUNCATED_WRONG_VALUE (bad datetime)
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1406, // ER_DATA_TOO_LONG
  1452, // ER_NO_REFERENCED_ROW_2
  3819, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL 8)
  4025, // ER_CONSTRAINT_FAILED (MariaDB check constraint)
]);

/**
 * True when the database refused a row's *values* (too long, wrong type, constraint) rather than the
 * transaction failing for a reason of its own: the batch holds at least one order that can never be
 * stored, and the orders beside it would be stored on their own.
 */
export function isRowDataError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof errno === "number" && MYSQL_DATA_ERRNOS.has(errno)) return true;
  return typeof code === "string" && code.length === 5 && PG_DATA_ERROR_CLASSES.has(code.slice(0, 2));
}

/**
 * Locks up to `limit` of the oldest PENDING orders that no other transaction holds and returns them
 * as accepted orders (items in line order), ready for applyOrders in the same transaction.
 */
export async function claimPendingOrders(
  trx: Transaction<Database>,
  limit: number,
  onlyOrderIds?: readonly string[],
): Promise<AcceptedOrder[]> {
  if (onlyOrderIds?.length === 0) return [];
  let query = trx
    .selectFrom("orders")
    .select(["order_id", "customer_id", "currency", "accepted_at"])
    .where("status", "=", "PENDING")
    .where(notQuarantined);
  if (onlyOrderIds) query = query.where(inList(trx, "order_id", onlyOrderIds, "uuid"));
  const rows = await query
    .orderBy("created_at")
    .orderBy("order_id")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  if (rows.length === 0) return [];
  const items = await trx
    .selectFrom("order_items")
    .select(["order_id", "sku", "quantity"])
    .where(
      inList(
        trx,
        "order_id",
        rows.map((r) => r.order_id),
        "uuid",
      ),
    )
    .orderBy("order_id")
    .orderBy("line_no")
    .execute();
  const byOrder = new Map<string, { sku: string; quantity: number }[]>(rows.map((r) => [r.order_id, []]));
  for (const item of items) byOrder.get(item.order_id)?.push({ sku: item.sku, quantity: item.quantity });
  return rows.map((r) => ({
    orderId: r.order_id,
    customerId: r.customer_id,
    currency: r.currency,
    items: byOrder.get(r.order_id) ?? [],
    acceptedAt: r.accepted_at.toISOString(),
  }));
}

/**
 * A PENDING order in the quarantine (open or discarded) is not claimed: it failed on its own too
 * often. Replaying it (state REPLAYED) makes it claimable again, through the normal decision path.
 */
const notQuarantined = sql<boolean>`not exists (select 1 from quarantined_records q where q.order_id = orders.order_id and q.state <> 'REPLAYED')`;

/** The ids the next claim would take (no lock): the work a failing batch is bisected over. */
export async function peekPendingOrderIds(db: Kysely<Database>, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("orders")
    .select("order_id")
    .where("status", "=", "PENDING")
    .where(notQuarantined)
    .orderBy("created_at")
    .orderBy("order_id")
    .limit(limit)
    .execute();
  return rows.map((r) => r.order_id);
}
