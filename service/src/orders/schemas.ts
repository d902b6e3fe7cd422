/**
 * JSON Schemas (draft-07 subset that both fastify's Ajv and a standalone Ajv accept, no `format`
 * keywords so no ajv-formats plugin is needed) for what enters the system: an order request (API body,
 * and the payload of a stream record from any producer) and a product upsert.
 *
 * Note for fastify users: its default Ajv options are `removeAdditional: true` and `coerceTypes:
 * "array"`, which would silently drop unknown properties and turn "5" into 5. Configure Ajv with
 * `removeAdditional: false, coerceTypes: false` so these schemas reject such input as they say.
 *
 * Every free-text field carries `storableText` (storable-text.ts): text PostgreSQL or MySQL would refuse
 * is a 400 at the edge, never a write that fails later.
 */
import { storableText } from "./storable-text.js";

/** Limits, exported so error messages, tests and generators use the same numbers. */
export const LIMITS = {
  customerIdMaxLength: 128,
  skuMaxLength: 64,
  itemsMin: 1,
  itemsMax: 100,
  quantityMin: 1,
  quantityMax: 1_000,
  productNameMaxLength: 200,
  unitPriceMax: 1_000_000_000_000,
  stockMax: 1_000_000_000,
} as const;

export const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const CURRENCY_PATTERN = "^[A-Z]{3}$";
const SKU_PATTERN = "^[A-Za-z0-9._-]+$";

const uuidSchema = { type: "string", pattern: UUID_PATTERN } as const;

/** ISO 4217 alphabetic code: three upper-case letters. */
const currencySchema = {
  type: "string",
  pattern: CURRENCY_PATTERN,
  minLength: 3,
  maxLength: 3,
} as const;

export const skuSchema = {
  type: "string",
  minLength: 1,
  maxLength: LIMITS.skuMaxLength,
  pattern: SKU_PATTERN,
} as const;

export const customerIdSchema = {
  type: "string",
  minLength: 1,
  maxLength: LIMITS.customerIdMaxLength,
  ...storableText,
} as const;

const orderLineSchema = {
  type: "object",
  required: ["sku", "quantity"],
  additionalProperties: false,
  properties: {
    sku: skuSchema,
    quantity: { type: "integer", minimum: LIMITS.quantityMin, maximum: LIMITS.quantityMax },
  },
} as const;

const orderItemsSchema = {
  type: "array",
  minItems: LIMITS.itemsMin,
  maxItems: LIMITS.itemsMax,
  items: orderLineSchema,
} as const;

/** Body of `POST /orders`. */
export const orderRequestSchema = {
  $id: "fastcart/order-request",
  type: "object",
  required: ["customerId", "currency", "items"],
  additionalProperties: false,
  properties: {
    orderId: uuidSchema,
    customerId: customerIdSchema,
    currency: currencySchema,
    items: orderItemsSchema,
  },
} as const;

/** Body of `PUT /products/:sku` (the sku is the path parameter, validated with skuSchema). */
export const productUpsertSchema = {
  $id: "fastcart/product-upsert",
  type: "object",
  required: ["name", "unitPrice", "currency", "stock"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: LIMITS.productNameMaxLength, ...storableText },
    unitPrice: { type: "integer", minimum: 0, maximum: LIMITS.unitPriceMax },
    currency: currencySchema,
    stock: { type: "integer", minimum: 0, maximum: LIMITS.stockMax },
  },
} as const;

/** The shape orderRequestSchema admits. */
export interface OrderRequest {
  orderId?: string;
  customerId: string;
  currency: string;
  items: { sku: string; quantity: number }[];
}

/** The shape productUpsertSchema admits. */
export interface ProductUpsert {
  name: string;
  unitPrice: number;
  currency: string;
  stock: number;
}
