import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  decodeOrderRecord,
  encodeOrderRecord,
  ORDER_RECORD_SCHEMA,
  ORDER_RECORD_SCHEMA_FILE,
} from "../src/modes/stream/record.js";
import { STORABLE_TEXT_PATTERN } from "../src/orders/storable-text.js";
import type { AcceptedOrder } from "../src/orders/types.js";

const order: AcceptedOrder = {
  orderId: "0b7f6c1e-4a53-4f35-9a55-3c9d8f4f2a10",
  customerId: "cust-1",
  currency: "EUR",
  items: [
    { sku: "SKU-1", quantity: 2 },
    { sku: "SKU-2", quantity: 1 },
  ],
  acceptedAt: "2026-11-23T15:00:00.000Z",
};

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const reasonOf = (data: Uint8Array) => {
  const decoded = decodeOrderRecord(data);
  assert.equal(decoded.ok, false, "expected the record to be refused");
  return decoded.ok ? "" : decoded.reason;
};

describe("order record v1", () => {
  test("round-trips an order", () => {
    const decoded = decodeOrderRecord(encodeOrderRecord(order));
    assert.deepEqual(decoded, { ok: true, order });
  });

  test("encodes exactly the published shape, dropping extra properties", () => {
    const extra = { ...order, internal: "do not leak" } as AcceptedOrder;
    const record = JSON.parse(new TextDecoder().decode(encodeOrderRecord(extra)));
    assert.deepEqual(Object.keys(record), ["schema", "order"]);
    assert.equal(record.schema, ORDER_RECORD_SCHEMA);
    assert.deepEqual(Object.keys(record.order), ["orderId", "customerId", "currency", "items", "acceptedAt"]);
  });

  test("the published schema file is the one validating, and names its version", () => {
    const schema = JSON.parse(readFileSync(ORDER_RECORD_SCHEMA_FILE, "utf8"));
    assert.equal(schema.properties.schema.const, "fastcart.order.v1");
    assert.equal(schema.properties.order.properties.items.maxItems, 100);
  });

  test("refuses bytes that are not UTF-8 JSON objects", () => {
    assert.match(reasonOf(new Uint8Array([0xff, 0xfe, 0x00])), /not valid UTF-8/);
    assert.match(reasonOf(new TextEncoder().encode("{not json")), /not JSON/);
    assert.match(reasonOf(bytes([1, 2])), /must be a JSON object/);
    assert.match(reasonOf(bytes(null)), /must be a JSON object/);
  });

  test("refuses unknown and missing schema versions, naming them", () => {
    assert.match(
      reasonOf(bytes({ schema: "fastcart.order.v2", order })),
      /unsupported record schema "fastcart.order.v2"/,
    );
    assert.match(reasonOf(bytes({ order })), /\/schema: required/);
  });

  test("names the field and the rule of a schema violation", () => {
    const bad = (patch: Partial<Record<keyof AcceptedOrder, unknown>>) =>
      reasonOf(bytes({ schema: ORDER_RECORD_SCHEMA, order: { ...order, ...patch } }));
    assert.match(bad({ orderId: "not-a-uuid" }), /^\/order\/orderId: .*\(pattern\)/);
    assert.match(bad({ currency: "eur" }), /^\/order\/currency: .*\(pattern\)/);
    assert.match(bad({ items: [] }), /^\/order\/items: .*\(minItems\)/);
    assert.match(bad({ items: [{ sku: "A", quantity: 0 }] }), /^\/order\/items\/0\/quantity: .*\(minimum\)/);
    assert.match(bad({ items: [{ sku: "A", quantity: 1.5 }] }), /^\/order\/items\/0\/quantity: .*\(type\)/);
    assert.match(bad({ items: [{ sku: "A", quantity: 1001 }] }), /\(maximum\)/);
    assert.match(bad({ acceptedAt: "yesterday" }), /^\/order\/acceptedAt: .*\(pattern\)/);
    assert.match(
      bad({ acceptedAt: "2026-13-45T99:00:00Z" }),
      /^\/order\/acceptedAt: must be a real date-time/,
    );
    const { customerId: _omit, ...withoutCustomer } = order;
    assert.match(
      reasonOf(bytes({ schema: ORDER_RECORD_SCHEMA, order: withoutCustomer })),
      /^\/order\/customerId: required/,
    );
    assert.match(
      reasonOf(bytes({ schema: ORDER_RECORD_SCHEMA, order, extra: 1 })),
      /unknown property "extra"/,
    );
  });

  test("accepts 100 items and refuses 101", () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    assert.equal(decodeOrderRecord(encodeOrderRecord({ ...order, items: items(100) })).ok, true);
    assert.match(reasonOf(encodeOrderRecord({ ...order, items: items(101) })), /\(maxItems\)/);
  });

  test("refuses text the databases cannot store, naming the field (the published schema says so)", () => {
    const schema = JSON.parse(readFileSync(ORDER_RECORD_SCHEMA_FILE, "utf8"));
    const fields = schema.properties.order.properties;
    assert.equal(fields.customerId.pattern, STORABLE_TEXT_PATTERN);
    assert.equal(fields.items.items.properties.sku.pattern, STORABLE_TEXT_PATTERN);
    const bad = (patch: Partial<Record<keyof AcceptedOrder, unknown>>) =>
      reasonOf(bytes({ schema: ORDER_RECORD_SCHEMA, order: { ...order, ...patch } }));
    assert.match(bad({ customerId: "x\u0000y" }), /^\/order\/customerId: contains U\+0000/);
    assert.match(bad({ customerId: "x\uD800" }), /^\/order\/customerId: .*unpaired UTF-16 surrogate/);
    assert.match(
      bad({ items: [{ sku: "A\u0000", quantity: 1 }] }),
      /^\/order\/items\/0\/sku: contains U\+0000/,
    );
    // JSON's own escapes reach the same strings: a producer writing \u0000 in its JSON text.
    const escaped = new TextEncoder().encode(
      JSON.stringify({ schema: ORDER_RECORD_SCHEMA, order }).replace('"cust-1"', '"cu\\u0000st"'),
    );
    assert.match(reasonOf(escaped), /customerId: contains U\+0000/);
    // Raw bytes that are not UTF-8 inside an otherwise valid record (a lone surrogate encoded as CESU).
    const text = JSON.stringify({ schema: ORDER_RECORD_SCHEMA, order });
    const at = text.indexOf("cust-1");
    const raw = new Uint8Array([
      ...new TextEncoder().encode(text.slice(0, at)),
      0xed,
      0xa0,
      0x80,
      ...new TextEncoder().encode(text.slice(at)),
    ]);
    assert.match(reasonOf(raw), /not valid UTF-8/);
    assert.equal(
      decodeOrderRecord(encodeOrderRecord({ ...order, customerId: "caf\u00e9 \u{1F600}" })).ok,
      true,
    );
  });
});
