/**
 * The order lifecycle. Every status change anywhere in the service goes through `assertTransition`,
 * so an impossible change (deciding an order twice, cancelling a rejected one) fails loudly.
 *
 *   PENDING ──► CONFIRMED ──► CANCELLED
 *      └──────► REJECTED
 */
import type { OrderStatus } from "./types.js";

export const ALLOWED_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ["CONFIRMED", "REJECTED"],
  CONFIRMED: ["CANCELLED"],
  REJECTED: [],
  CANCELLED: [],
};

/** A status change the lifecycle does not allow. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    const allowed = ALLOWED_TRANSITIONS[from];
    super(
      `order status cannot change from ${from} to ${to}` +
        (allowed.length > 0 ? ` (allowed: ${allowed.join(", ")})` : ` (${from} is final)`),
    );
    this.name = "InvalidTransitionError";
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** Statuses no further change can leave. */
export function isFinal(status: OrderStatus): boolean {
  return ALLOWED_TRANSITIONS[status].length === 0;
}
