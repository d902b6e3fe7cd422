/**
 * Cache writes arrive out of order: the API writes PENDING after Kinesis acknowledged the record, and
 * a fast worker may already have written CONFIRMED by then. A cached status therefore only ever moves
 * forward along the lifecycle; a write of an earlier status is dropped.
 */
import type { OrderStatus } from "../orders/types.js";

const RANK: Record<OrderStatus, number> = { PENDING: 0, CONFIRMED: 1, REJECTED: 1, CANCELLED: 2 };

/** 0 for PENDING, 1 for a decision, 2 for CANCELLED: a single digit, compared by the Redis script too. */
export function statusRank(status: OrderStatus): number {
  return RANK[status];
}
