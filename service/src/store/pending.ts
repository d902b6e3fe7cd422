/**
 * Table mode's queue, kept in the orders table itself: the API writes an accepted order as a PENDING
 * row (with its unpriced items and the first history entry), a worker claims the oldest PENDING rows
 * with FOR UPDATE SKIP LOCKED — several workers take disjoint batches without waiting on each other —
 * and decides them with applyOrders in the same transaction, which updates the rows in place.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { canonicalOrderId } from "../orders/accept.js";
import { INITIAL_STATUS } from "../orders/state-machine.js";
import type { AcceptedOrder } from "../orders/types.js";
import { ORDER_ITEM_COLUMNS, PENDING_HISTORY_COLUMNS, PENDING_ORDER_COLUMNS } from "./columns.js";
import { dialectOf } from "./dialect/index.js";
import type { Database } from "./schema.js";

/**
 * Stores `order` as PENDING, in one transaction. Idempotent: when the id is already stored (a client
 * retry, whatever its status now) nothing changes and false is returned.
 */
export async function insertPendingOrder(db: Kysely<Database>, order: AcceptedOrder): Promise<boolean> {
  return (await insertPendingOrders(db, [order])).size === 1;
}

/**
 * Stores every order of `orders` as PENDING — order rows, items and the first history entry — in one
 * atomic step with one set-based INSERT per table (group commit for table-mode intake). Idempotent per
 * order id: an id already stored (a client retry, whatever its status now) is left untouched and gets
 * no second set of items or history; an id repeated within `orders` counts once, the first occurrence
 * stands. Returns the canonical ids written now (the others already existed). All or nothing: when it
 * throws, none of `orders` was written; a `duplicate` error (a concurrent writer of one of these ids
 * won a race) is settled by running it again, which the intake's retry policy does.
 *
 * Rows are inserted in ascending id order, so two concurrent batches that share ids take their
 * unique-index locks in the same order and wait for each other instead of deadlocking.
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
  const written = await dialectOf(db).insertIfAbsent(db, {
    table: "orders",
    keys: ["order_id"],
    columns: PENDING_ORDER_COLUMNS,
    rows: sorted.map(([orderId, order]) => {
      const acceptedAt = new Date(order.acceptedAt);
      return [
        orderId,
        order.customerId,
        order.currency,
        INITIAL_STATUS,
        0,
        acceptedAt,
        acceptedAt,
        acceptedAt,
      ];
    }),
    children: [
      {
        table: "order_items",
        columns: ORDER_ITEM_COLUMNS,
        rows: sorted.flatMap(([orderId, order]) =>
          order.items.map((item, i) => [orderId, i + 1, item.sku, item.quantity, 0, 0]),
        ),
      },
      {
        table: "order_status_history",
        columns: PENDING_HISTORY_COLUMNS,
        rows: sorted.map(([orderId, order]) => [orderId, 1, INITIAL_STATUS, new Date(order.acceptedAt)]),
      },
    ],
  });
  return new Set(written.map(canonicalOrderId));
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
    .where("status", "=", INITIAL_STATUS)
    .where(notQuarantined);
  if (onlyOrderIds) query = query.where(dialectOf(trx).inList("order_id", onlyOrderIds, "uuid"));
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
      dialectOf(trx).inList(
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
    .where("status", "=", INITIAL_STATUS)
    .where(notQuarantined)
    .orderBy("created_at")
    .orderBy("order_id")
    .limit(limit)
    .execute();
  return rows.map((r) => r.order_id);
}
