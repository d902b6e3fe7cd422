/**
 * Column lists of the order tables for set-based writes (the dialect's insertRows): names and PostgreSQL element
 * types as the migrations define them, in the order every writer builds its row arrays. One list per
 * table, so the decision path (processing.ts) and the table-mode intake (pending.ts) cannot drift.
 */
import type { BulkColumn } from "./dialect/index.js";

export const ORDER_COLUMNS: readonly BulkColumn[] = [
  { name: "order_id", pgType: "uuid" },
  { name: "customer_id", pgType: "varchar" },
  { name: "currency", pgType: "char(3)" },
  { name: "status", pgType: "varchar" },
  { name: "rejection_reason", pgType: "varchar" },
  { name: "total", pgType: "int8" },
  { name: "accepted_at", pgType: "timestamptz" },
  { name: "created_at", pgType: "timestamptz" },
  { name: "updated_at", pgType: "timestamptz" },
];

export const ORDER_ITEM_COLUMNS: readonly BulkColumn[] = [
  { name: "order_id", pgType: "uuid" },
  { name: "line_no", pgType: "int2" },
  { name: "sku", pgType: "varchar" },
  { name: "quantity", pgType: "int4" },
  { name: "unit_price", pgType: "int8" },
  { name: "line_total", pgType: "int8" },
];

export const STATUS_HISTORY_COLUMNS: readonly BulkColumn[] = [
  { name: "order_id", pgType: "uuid" },
  { name: "seq", pgType: "int2" },
  { name: "status", pgType: "varchar" },
  { name: "reason", pgType: "varchar" },
  { name: "at", pgType: "timestamptz" },
];

/** A PENDING order has no rejection reason yet. */
export const PENDING_ORDER_COLUMNS = ORDER_COLUMNS.filter((column) => column.name !== "rejection_reason");
/** A PENDING history entry has no reason. */
export const PENDING_HISTORY_COLUMNS = STATUS_HISTORY_COLUMNS.filter((column) => column.name !== "reason");
