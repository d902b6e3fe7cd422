/**
 * JSON Schemas of the HTTP API: request validation (ajv, see validation.ts), response serialization
 * (fast-json-stringify: faster than JSON.stringify and never leaks a property the schema does not list)
 * and the OpenAPI document at /docs — one definition for all three.
 *
 * Limits match the database columns (store/migrations) and the stream record schema
 * (schemas/order-record.v1.json), so anything the API accepts can be stored and put on the stream.
 */
import {
  type OrderRequest,
  orderRequestSchema,
  type ProductUpsert,
  productUpsertSchema,
  skuSchema,
} from "../orders/schemas.js";
import { ORDER_STATUSES, REJECTION_REASONS } from "../orders/types.js";

const UUID = { type: "string", format: "uuid", example: "3f0c1a52-6f57-4a8e-9b8e-1f4b6b1d2c3a" } as const;
const SKU = { ...skuSchema, example: "TSHIRT-BLK-M" } as const; // in the demo catalog (npm start)
const CUSTOMER_ID = { type: "string", minLength: 1, maxLength: 128, example: "customer-1" } as const; // npm start's customer token
const MINOR_UNITS = {
  type: "integer",
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: "integer minor units (cents)",
} as const;
const TIMESTAMP = { type: "string", format: "date-time" } as const;

/**
 * Request bodies: the domain's own schemas (orders/schemas.ts), shared with the stream record, so the
 * API can never accept an order that the worker would refuse.
 */
export const createOrderBody = orderRequestSchema;
export type CreateOrderBody = OrderRequest;
export const productBody = productUpsertSchema;
export type ProductBody = ProductUpsert;

export const idempotencyHeaders = {
  type: "object",
  properties: {
    "idempotency-key": {
      type: "string",
      minLength: 1,
      maxLength: 255,
      // Visible ASCII only: the key is stored and compared byte for byte.
      pattern: "^[\\x21-\\x7E]+$",
      description: "Same key and body → the same answer; same key, other body → 409.",
    },
  },
} as const;

export const acceptedOrder = {
  type: "object",
  required: ["orderId", "status"],
  properties: { orderId: { type: "string" }, status: { type: "string", enum: ["PENDING"] } },
} as const;

export const orderView = {
  $id: "Order",
  type: "object",
  required: [
    "orderId",
    "customerId",
    "status",
    "currency",
    "items",
    "total",
    "createdAt",
    "updatedAt",
    "history",
  ],
  properties: {
    orderId: { type: "string" },
    customerId: { type: "string" },
    status: { type: "string", enum: ORDER_STATUSES },
    currency: { type: "string" },
    items: {
      type: "array",
      items: {
        type: "object",
        required: ["sku", "quantity", "unitPrice", "lineTotal"],
        properties: {
          sku: { type: "string" },
          quantity: { type: "integer" },
          unitPrice: MINOR_UNITS,
          lineTotal: MINOR_UNITS,
        },
      },
    },
    total: MINOR_UNITS,
    rejectionReason: { type: "string", enum: REJECTION_REASONS },
    createdAt: TIMESTAMP,
    updatedAt: TIMESTAMP,
    history: {
      type: "array",
      items: {
        type: "object",
        required: ["status", "at"],
        properties: {
          status: { type: "string", enum: ORDER_STATUSES },
          at: TIMESTAMP,
          reason: { type: "string", enum: REJECTION_REASONS },
        },
      },
    },
  },
} as const;

export const orderPage = {
  type: "object",
  required: ["orders"],
  properties: {
    orders: { type: "array", items: { $ref: "Order#" } },
    nextCursor: { type: "string", description: "Pass as `cursor` to get the next page; absent on the last." },
  },
} as const;

export const orderIdParams = {
  type: "object",
  required: ["id"],
  properties: { id: { ...UUID, description: "Order id (UUID)" } },
} as const;

export const listOrdersQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    customerId: { ...CUSTOMER_ID, description: "Defaults to the caller; only admins may name another." },
    status: { type: "string", enum: ORDER_STATUSES },
    limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
    cursor: { type: "string", minLength: 1, maxLength: 512, pattern: "^[A-Za-z0-9_=-]+$" },
  },
} as const;

export interface ListOrdersQuery {
  customerId?: string;
  status?: (typeof ORDER_STATUSES)[number];
  limit: number;
  cursor?: string;
}

export const skuParams = {
  type: "object",
  required: ["sku"],
  properties: { sku: SKU },
} as const;

export const productView = {
  type: "object",
  required: ["sku", "name", "unitPrice", "currency", "stock"],
  properties: {
    sku: { type: "string" },
    name: { type: "string" },
    unitPrice: MINOR_UNITS,
    currency: { type: "string" },
    stock: { type: "integer" },
  },
} as const;

/** Response entries for the OpenAPI document: each error status answers a Problem. */
export function problemResponses(...statuses: number[]): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of statuses) {
    responses[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? "Problem",
      content: { "application/problem+json": { schema: { $ref: "Problem#" } } },
    };
  }
  return responses;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Validation failed or malformed JSON (names the field and the rule)",
  401: "Missing, invalid or expired bearer token",
  403: "Not allowed for this caller",
  404: "Not found (or not yours)",
  409: "Conflict with the current state",
  413: "Body over the size limit",
  415: "Body is not application/json",
  503: "A dependency is unavailable; retry after Retry-After seconds",
};
