/**
 * The stream record format: `{"schema":"fastcart.order.v1","order":{…}}` as UTF-8 JSON, described by
 * the published JSON Schema in service/schemas/order-record.v1.json. The API encodes with it; any
 * other producer may write the same bytes to the stream directly, so the worker validates every
 * record it reads against that file (the file, not a copy of it, so the two cannot drift).
 *
 * Decoding never throws: a record the worker cannot use is reported as poison with a reason naming the
 * field and the rule, so the caller can log, count and quarantine it. A poison record must never block
 * its shard: it will not become valid by being retried.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { STORABLE_TEXT_MESSAGE, STORABLE_TEXT_PATTERN } from "../../orders/storable-text.js";
import type { AcceptedOrder } from "../../orders/types.js";

/** The `schema` value of the current record version. */
export const ORDER_RECORD_SCHEMA = "fastcart.order.v1";

/** Versions this build can read; anything else is poison (a newer producer, or garbage). */
const SUPPORTED_RECORD_SCHEMAS: readonly string[] = [ORDER_RECORD_SCHEMA];

/**
 * Path of the published schema. Resolved relative to this module so it works from src/ (tsx) and from
 * dist/ (the built image): both are two directories below service/.
 */
export const ORDER_RECORD_SCHEMA_FILE = new URL("../../../schemas/order-record.v1.json", import.meta.url);

export interface OrderRecord {
  schema: typeof ORDER_RECORD_SCHEMA;
  order: AcceptedOrder;
}

export type DecodedRecord = { ok: true; order: AcceptedOrder } | { ok: false; reason: string };

const recordSchema = JSON.parse(readFileSync(ORDER_RECORD_SCHEMA_FILE, "utf8")) as object;
// allErrors off: the first failure is enough to name the problem, and it stops early on garbage.
const validateRecord = new Ajv({ allErrors: false, strict: true }).compile<OrderRecord>(recordSchema);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes an accepted order as the bytes of one stream record. */
export function encodeOrderRecord(order: AcceptedOrder): Uint8Array {
  // Copy only the schema's fields, in a fixed order, so extra properties on the object never leak
  // onto the stream (and never make the record fail validation on the consumer side).
  const record: OrderRecord = {
    schema: ORDER_RECORD_SCHEMA,
    order: {
      orderId: order.orderId,
      customerId: order.customerId,
      currency: order.currency,
      items: order.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
      acceptedAt: order.acceptedAt,
    },
  };
  return encoder.encode(JSON.stringify(record));
}

/** Decodes and validates the bytes of one stream record. */
export function decodeOrderRecord(data: Uint8Array): DecodedRecord {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { ok: false, reason: "record data is not valid UTF-8" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `record data is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: "record must be a JSON object" };
  }
  const version = (parsed as { schema?: unknown }).schema;
  if (typeof version !== "string") {
    return { ok: false, reason: "/schema: required string naming the record format (fastcart.order.v1)" };
  }
  if (!SUPPORTED_RECORD_SCHEMAS.includes(version)) {
    return {
      ok: false,
      reason: `/schema: unsupported record schema "${version.slice(0, 64)}" (this worker reads ${SUPPORTED_RECORD_SCHEMAS.join(", ")})`,
    };
  }
  if (!validateRecord(parsed)) {
    return { ok: false, reason: describeError(validateRecord.errors?.[0]) };
  }
  if (Number.isNaN(Date.parse(parsed.order.acceptedAt))) {
    return { ok: false, reason: "/order/acceptedAt: must be a real date-time" };
  }
  return { ok: true, order: parsed.order };
}

function describeError(error: ErrorObject | undefined): string {
  if (!error) return "record does not match fastcart.order.v1";
  const path = error.instancePath === "" ? "/" : error.instancePath;
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return `${path}: unknown property "${extra}" (additionalProperties: false)`;
  }
  if (error.keyword === "pattern" && error.params.pattern === STORABLE_TEXT_PATTERN) {
    return `${path}: ${STORABLE_TEXT_MESSAGE} (pattern)`;
  }
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return `${path === "/" ? "" : path}/${missing}: required`;
  }
  return `${path}: ${error.message ?? error.keyword} (${error.keyword})`;
}
