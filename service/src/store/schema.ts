/**
 * The database tables as Kysely sees them (snake_case, like the SQL). Migrations in ./migrations create
 * exactly these; a column added there is added here in the same commit.
 *
 * Money columns are BIGINT minor units. The PostgreSQL pool parses INT8 into a JS number and refuses a
 * value outside Number.MAX_SAFE_INTEGER (see database.ts), so reads are `number`, never a string.
 * Timestamps are timestamptz(3) (PostgreSQL) / DATETIME(3) UTC (MySQL): millisecond precision, the
 * precision of a JS Date.
 */
import type { ColumnType, Generated, Selectable } from "kysely";
import type { OrderStatus, RejectionReason } from "../orders/types.js";

/** A timestamp: written as a Date, read as a Date. */
export type Timestamp = ColumnType<Date, Date, Date>;

export interface ProductsTable {
  sku: string;
  name: string;
  unit_price: number;
  currency: string;
  stock: number;
  updated_at: Timestamp;
}

export interface OrdersTable {
  order_id: string;
  customer_id: string;
  currency: string;
  status: OrderStatus;
  rejection_reason: RejectionReason | null;
  /** Σ line_total of the priced items; 0 while PENDING and for rejected orders. */
  total: number;
  /** When the API (or another producer) accepted the order. */
  accepted_at: Timestamp;
  /** When the order was created; equal to accepted_at, kept separately as the listing key. */
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrderItemsTable {
  order_id: string;
  /** 1-based position of the line in the request. */
  line_no: number;
  sku: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

export interface OrderStatusHistoryTable {
  order_id: string;
  /** 1-based; orders the changes even when two share a timestamp. */
  seq: number;
  status: OrderStatus;
  reason: RejectionReason | null;
  at: Timestamp;
}

export interface IdempotencyKeysTable {
  /** Who the key belongs to (e.g. the customer id), so two callers' keys never collide. */
  scope: string;
  idem_key: string;
  request_hash: string;
  status_code: number;
  /** JSON text of the stored response body (serialised by the store, not by the driver). */
  body: ColumnType<unknown, string, string>;
  headers: ColumnType<Record<string, string>, string, string>;
  created_at: Generated<Date>;
}

export interface Database {
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  order_status_history: OrderStatusHistoryTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type OrderRow = Selectable<OrdersTable>;
