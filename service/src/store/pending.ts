/**
 * Table mode's queue, kept in the orders table itself: the API writes an accepted order as a PENDING
 * row (with its unpriced items and the first history entry), a worker claims the oldest PENDING rows
 * with FOR UPDATE SKIP LOCKED — several workers take disjoint batches without waiting on each other —
 * and decides them with applyOrders in the same transaction, which updates the rows in place.
 */
import type { Kysely, Transaction } from "kysely";
import { canonicalOrderId } from "../orders/accept.js";
import type { AcceptedOrder } from "../orders/types.js";
import { type BulkColumn, inList, insertRows } from "./bulk.js";
import { engineOf } from "./database.js";
import type { Database, NewOrderRow } from "./schema.js";
import { withTransaction } from "./transaction.js";

const ITEM_COLUMNS: BulkColumn[] = [
  { name: "order_id", pgType: "uuid" },
  { name: "line_no", pgType: "int2" },
  { name: "sku", pgType: "varchar" },
  { name: "quantity", pgType: "int4" },
  { name: "unit_price", pgType: "int8" },
  { name: "line_total", pgType: "int8" },
];

/**
 * Stores `order` as PENDING, in one transaction. Idempotent: when the id is already stored (a client
 * retry, whatever its status now) nothing changes and false is returned.
 */
export async function insertPendingOrder(db: Kysely<Database>, order: AcceptedOrder): Promise<boolean> {
  const orderId = canonicalOrderId(order.orderId);
  const acceptedAt = new Date(order.acceptedAt);
  return withTransaction(db, async (trx) => {
    const inserted = await insertOrderRowIfAbsent(trx, {
      order_id: orderId,
      customer_id: order.customerId,
      currency: order.currency,
      status: "PENDING",
      rejection_reason: null,
      total: 0,
      accepted_at: acceptedAt,
      created_at: acceptedAt,
      updated_at: acceptedAt,
    });
    if (!inserted) return false;
    await insertRows(
      trx,
      "order_items",
      ITEM_COLUMNS,
      order.items.map((item, i) => [orderId, i + 1, item.sku, item.quantity, 0, 0]),
    );
    await trx
      .insertInto("order_status_history")
      .values({ order_id: orderId, seq: 1, status: "PENDING", reason: null, at: acceptedAt })
      .execute();
    return true;
  });
}

const MYSQL_DUPLICATE_KEY = 1062;

async function insertOrderRowIfAbsent(trx: Transaction<Database>, row: NewOrderRow): Promise<boolean> {
  const insert = trx.insertInto("orders").values(row);
  try {
    // PostgreSQL: ON CONFLICT DO NOTHING keeps the transaction usable; MySQL reports a duplicate key.
    const result = await (engineOf(trx) === "postgres"
      ? insert.onConflict((oc) => oc.column("order_id").doNothing())
      : insert
    ).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  } catch (error) {
    if ((error as { errno?: number }).errno === MYSQL_DUPLICATE_KEY) return false;
    throw error;
  }
}

/**
 * Locks up to `limit` of the oldest PENDING orders that no other transaction holds and returns them
 * as accepted orders (items in line order), ready for applyOrders in the same transaction.
 */
export async function claimPendingOrders(
  trx: Transaction<Database>,
  limit: number,
): Promise<AcceptedOrder[]> {
  const rows = await trx
    .selectFrom("orders")
    .select(["order_id", "customer_id", "currency", "accepted_at"])
    .where("status", "=", "PENDING")
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
