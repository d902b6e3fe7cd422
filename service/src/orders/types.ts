/**
 * Domain types shared by every part of the service. Money is always an integer count of minor units
 * (cents) in the order's ISO 4217 currency: never a float.
 */

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Why an order was rejected. TOTAL_TOO_LARGE: the priced total would exceed 2^53 − 1 minor units (the
 * largest exact JS integer); validation admits such orders (100 lines × 1,000 × 10^12), so the decision
 * must have an answer for them rather than fail the whole batch.
 */
export const REJECTION_REASONS = [
  "OUT_OF_STOCK",
  "UNKNOWN_SKU",
  "CURRENCY_MISMATCH",
  "TOTAL_TOO_LARGE",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** A catalog entry. */
export interface Product {
  sku: string;
  name: string;
  /** Price of one unit, in minor units of `currency`. */
  unitPrice: number;
  currency: string;
  /** Units available to reserve; never negative. */
  stock: number;
}

export interface OrderLineRequest {
  sku: string;
  quantity: number;
}

/**
 * An order as accepted by the API (or put on the stream by another producer): the unit of intake.
 * This is the payload of the versioned stream record (see modes/stream/record.ts).
 */
export interface AcceptedOrder {
  orderId: string;
  customerId: string;
  currency: string;
  items: OrderLineRequest[];
  /** ISO-8601 time the order was accepted. */
  acceptedAt: string;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  /** Catalog price at processing time; 0 while PENDING or when the order was rejected before pricing. */
  unitPrice: number;
  lineTotal: number;
}

export interface StatusChange {
  status: OrderStatus;
  at: string;
  reason?: RejectionReason;
}

/** An order as the API returns it. */
export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  currency: string;
  items: OrderLine[];
  total: number;
  rejectionReason?: RejectionReason;
  createdAt: string;
  updatedAt: string;
  history: StatusChange[];
}

/** The outcome of deciding one accepted order. */
export interface OrderDecision {
  orderId: string;
  customerId: string;
  status: "CONFIRMED" | "REJECTED";
  reason?: RejectionReason;
  total: number;
  /** False when the order had already been decided earlier (a replayed or duplicate record). */
  applied: boolean;
  decidedAt: string;
}
