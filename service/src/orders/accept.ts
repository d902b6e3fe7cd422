/**
 * Turning a validated order request into the accepted order that intake carries (stream record
 * payload or PENDING row): assign the id when the client sent none, and put it in canonical form.
 */
import { randomUUID } from "node:crypto";
import type { OrderRequest } from "./schemas.js";
import type { AcceptedOrder } from "./types.js";

/**
 * UUIDs compare case-insensitively in the database but not as cache keys, log fields or Location
 * headers, so one canonical (lower-case) form is used everywhere.
 */
export function canonicalOrderId(orderId: string): string {
  return orderId.toLowerCase();
}

export function toAcceptedOrder(
  request: OrderRequest,
  acceptedAt: Date,
  newId: () => string = randomUUID,
): AcceptedOrder {
  return {
    orderId: canonicalOrderId(request.orderId ?? newId()),
    customerId: request.customerId,
    currency: request.currency,
    items: request.items.map(({ sku, quantity }) => ({ sku, quantity })),
    acceptedAt: acceptedAt.toISOString(),
  };
}
