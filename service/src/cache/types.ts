import type { OrderStatus, RejectionReason } from "../orders/types.js";

/** What the status cache holds per order: enough to answer a read of an unprocessed order. */
export interface CachedStatus {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  reason?: RejectionReason;
  updatedAt: string;
  /** The accepted order, kept while PENDING so a read can show its items before a worker has run. */
  pending?: { currency: string; items: { sku: string; quantity: number }[]; acceptedAt: string };
}

/**
 * Order-status cache (Redis in AWS, memory locally). A cache, never the system of record: every
 * method may fail, and callers degrade to the database instead of failing the request.
 */
export interface StatusCache {
  readonly kind: "redis" | "memory" | "none";
  get(orderId: string): Promise<CachedStatus | undefined>;
  setMany(entries: CachedStatus[]): Promise<void>;
  checkReady(): Promise<void>;
  close(): Promise<void>;
}
