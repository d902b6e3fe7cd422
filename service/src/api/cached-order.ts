/**
 * The status cache as a read path for orders the database does not have yet: an order accepted by the
 * API (durable on the stream) but not yet decided by a worker. Such an order is PENDING, with its items
 * unpriced (prices are taken from the catalog at processing time).
 */
import type { CachedStatus } from "../cache/types.js";
import type { AcceptedOrder, OrderView } from "../orders/types.js";

/** The cache entry the API writes right after the intake accepted an order. */
export function pendingEntry(order: AcceptedOrder): CachedStatus {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: "PENDING",
    updatedAt: order.acceptedAt,
    pending: { currency: order.currency, items: order.items, acceptedAt: order.acceptedAt },
  };
}

/**
 * An order view from a PENDING cache entry, or undefined. Only PENDING answers from the cache: a
 * decided order is in the database (the worker commits before it refreshes the cache), and a decided
 * order shown without its prices would be wrong rather than merely early.
 */
export function viewFromCache(entry: CachedStatus): OrderView | undefined {
  const pending = entry.pending;
  if (entry.status !== "PENDING" || !pending) return undefined;
  return {
    orderId: entry.orderId,
    customerId: entry.customerId,
    status: "PENDING",
    currency: pending.currency,
    items: pending.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: 0,
      lineTotal: 0,
    })),
    total: 0,
    createdAt: pending.acceptedAt,
    updatedAt: entry.updatedAt,
    history: [{ status: "PENDING", at: pending.acceptedAt }],
  };
}
