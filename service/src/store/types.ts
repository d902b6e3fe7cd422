import type { DbEngine } from "../contract.js";
import type { OrderStatus, OrderView, Product } from "../orders/types.js";

export interface OrderQuery {
  /** Restrict to one customer (always set for non-admin callers). */
  customerId?: string;
  status?: OrderStatus;
  /** 1–100. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface OrderPage {
  orders: OrderView[];
  nextCursor?: string;
}

export type CancelResult =
  | { kind: "cancelled"; order: OrderView }
  | { kind: "not_found" }
  /** Only CONFIRMED orders can be cancelled; `status` is the order's current one. */
  | { kind: "invalid_state"; status: OrderStatus };

/** A stored idempotent response, keyed by (scope, key). */
export interface IdempotencyRecord {
  requestHash: string;
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
}

/** The API-facing view of the database (system of record). */
export interface OrderStore {
  readonly engine: DbEngine;
  getOrder(orderId: string): Promise<OrderView | undefined>;
  listOrders(query: OrderQuery): Promise<OrderPage>;
  /** CONFIRMED → CANCELLED, releasing the reserved stock, in one transaction. */
  cancelOrder(orderId: string, at: Date): Promise<CancelResult>;
  putProduct(product: Product): Promise<Product>;
  getProduct(sku: string): Promise<Product | undefined>;
  /** Returns the stored response for (scope, key), if any. */
  getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Stores a response; returns false when (scope, key) was stored concurrently by another request. */
  putIdempotency(scope: string, key: string, record: IdempotencyRecord): Promise<boolean>;
  /** Deletes stored responses older than `before` (their retention ended); returns how many. */
  purgeIdempotency(before: Date): Promise<number>;
  /**
   * Claims a client-chosen order id for `customerId` (store/order-id-claims.ts): true when the id is
   * theirs (now or already), false when another customer owns it.
   */
  claimOrderId(orderId: string, customerId: string): Promise<boolean>;
  /** Throws with a message naming the database when it is unreachable (for /ready). */
  checkReady(): Promise<void>;
  close(): Promise<void>;
}
