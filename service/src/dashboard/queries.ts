/**
 * The dashboard's database reads. Each is bounded and index-backed, because the page polls: the
 * latest orders come from orders_status_created_idx (status, created_at), a few rows per status, and
 * low stock scans the catalog, which is small next to the orders.
 */
import type { Kysely } from "kysely";
import { ORDER_STATUSES } from "../orders/types.js";
import type { Database } from "../store/schema.js";

export interface LatestOrder {
  orderId: string;
  customerId: string;
  status: string;
  rejectionReason: string | null;
  total: number;
  currency: string;
  createdAt: string;
}

export interface LowStockProduct {
  sku: string;
  name: string;
  stock: number;
}

/** Products at or below this many units are listed as low stock. */
export const LOW_STOCK_THRESHOLD = 10;

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

/** The `limit` most recently created orders, over every status. */
export async function latestOrders(db: Kysely<Database>, limit: number): Promise<LatestOrder[]> {
  const perStatus = await Promise.all(
    ORDER_STATUSES.map((status) =>
      db
        .selectFrom("orders")
        .select(["order_id", "customer_id", "status", "rejection_reason", "total", "currency", "created_at"])
        .where("status", "=", status)
        .orderBy("created_at", "desc")
        .limit(limit)
        .execute(),
    ),
  );
  return perStatus
    .flat()
    .map((row) => ({
      orderId: row.order_id,
      customerId: row.customer_id,
      status: row.status,
      rejectionReason: row.rejection_reason,
      total: Number(row.total),
      currency: row.currency,
      createdAt: iso(row.created_at),
    }))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    .slice(0, limit);
}

/** Products with the least stock, at most LOW_STOCK_THRESHOLD units, fewest first. */
export async function lowStock(db: Kysely<Database>, limit: number): Promise<LowStockProduct[]> {
  const rows = await db
    .selectFrom("products")
    .select(["sku", "name", "stock"])
    .where("stock", "<=", LOW_STOCK_THRESHOLD)
    .orderBy("stock", "asc")
    .orderBy("sku", "asc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ sku: row.sku, name: row.name, stock: Number(row.stock) }));
}
