/** Totals, the state machine, order acceptance and the request schemas (compiled with Ajv, as fastify does). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Ajv } from "ajv";
import { canonicalOrderId, toAcceptedOrder } from "../src/orders/accept.js";
import { LIMITS, orderRequestSchema, productUpsertSchema } from "../src/orders/schemas.js";
import {
  ALLOWED_TRANSITIONS,
  assertTransition,
  canTransition,
  InvalidTransitionError,
  isFinal,
} from "../src/orders/state-machine.js";
import { AmountOverflowError, lineTotal, sumAmounts } from "../src/orders/totals.js";
import { ORDER_STATUSES } from "../src/orders/types.js";

describe("totals", () => {
  test("multiplies and sums exactly in minor units", () => {
    assert.equal(lineTotal(1999, 3), 5997);
    assert.equal(lineTotal(0, 1000), 0);
    assert.equal(sumAmounts([5997, 3, 0]), 6000);
    assert.equal(sumAmounts([]), 0);
    assert.equal(lineTotal(1_000_000_000_000, 1000), 1e15);
  });

  test("refuses results beyond Number.MAX_SAFE_INTEGER instead of rounding", () => {
    assert.throws(() => lineTotal(Number.MAX_SAFE_INTEGER, 2), AmountOverflowError);
    assert.throws(() => sumAmounts([Number.MAX_SAFE_INTEGER, 1]), AmountOverflowError);
    assert.equal(sumAmounts([Number.MAX_SAFE_INTEGER - 1, 1]), Number.MAX_SAFE_INTEGER);
  });

  test("refuses fractional, negative or non-finite inputs", () => {
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => lineTotal(bad, 1), RangeError);
      assert.throws(() => lineTotal(1, bad), RangeError);
      assert.throws(() => sumAmounts([bad]), RangeError);
    }
  });
});

describe("state machine", () => {
  test("allows exactly PENDING→CONFIRMED|REJECTED and CONFIRMED→CANCELLED", () => {
    const allowed: string[] = [];
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) if (canTransition(from, to)) allowed.push(`${from}→${to}`);
    }
    assert.deepEqual(allowed, ["PENDING→CONFIRMED", "PENDING→REJECTED", "CONFIRMED→CANCELLED"]);
  });

  test("anything else throws InvalidTransitionError naming both states", () => {
    assert.doesNotThrow(() => assertTransition("PENDING", "CONFIRMED"));
    const error = (() => {
      try {
        assertTransition("REJECTED", "CANCELLED");
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof InvalidTransitionError);
    assert.equal(error.from, "REJECTED");
    assert.equal(error.to, "CANCELLED");
    assert.match(error.message, /REJECTED to CANCELLED \(REJECTED is final\)/);
    assert.throws(() => assertTransition("PENDING", "CANCELLED"), /allowed: CONFIRMED, REJECTED/);
    assert.throws(() => assertTransition("CONFIRMED", "CONFIRMED"), InvalidTransitionError);
  });

  test("REJECTED and CANCELLED are final", () => {
    assert.deepEqual(ORDER_STATUSES.filter(isFinal), ["REJECTED", "CANCELLED"]);
    assert.equal(Object.keys(ALLOWED_TRANSITIONS).length, ORDER_STATUSES.length);
  });
});

describe("toAcceptedOrder", () => {
  test("keeps a client id in lower case, or assigns one", () => {
    const at = new Date("2026-01-01T00:00:00.000Z");
    const request = { customerId: "c", currency: "EUR", items: [{ sku: "A", quantity: 1 }] };
    const given = toAcceptedOrder({ ...request, orderId: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" }, at);
    assert.equal(given.orderId, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    assert.equal(given.acceptedAt, "2026-01-01T00:00:00.000Z");
    const generated = toAcceptedOrder(request, at);
    assert.match(generated.orderId, /^[0-9a-f-]{36}$/);
    assert.equal(toAcceptedOrder(request, at, () => "X").orderId, "x");
    assert.equal(canonicalOrderId("ABC"), "abc");
  });
});

describe("schemas", () => {
  // As fastify should configure it: reject, never strip or coerce.
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: false, strict: true });
  const validOrder = ajv.compile(orderRequestSchema);
  const validProduct = ajv.compile(productUpsertSchema);
  const good = {
    orderId: "0b9e3c1e-4a8f-4c1d-9f7e-2d3c4b5a6978",
    customerId: "customer-1",
    currency: "EUR",
    items: [{ sku: "SKU-1.a_b", quantity: 1000 }],
  };
  const errorsOf = (body: unknown) => {
    validOrder(body);
    return (validOrder.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
  };

  test("accepts a valid order, with or without orderId", () => {
    assert.deepEqual(errorsOf(good), []);
    const { orderId: _, ...withoutId } = good;
    assert.deepEqual(errorsOf(withoutId), []);
    assert.deepEqual(
      errorsOf({ ...good, items: Array.from({ length: LIMITS.itemsMax }, () => good.items[0]) }),
      [],
    );
  });

  test("names the field and the rule for each violation", () => {
    const cases: [unknown, string][] = [
      [{ ...good, orderId: "123" }, "/orderId pattern"],
      [{ ...good, customerId: "" }, "/customerId minLength"],
      [{ ...good, customerId: "x".repeat(129) }, "/customerId maxLength"],
      [{ ...good, currency: "eur" }, "/currency pattern"],
      [{ ...good, currency: "EURO" }, "/currency maxLength"],
      [{ ...good, items: [] }, "/items minItems"],
      [{ ...good, items: Array.from({ length: 101 }, () => good.items[0]) }, "/items maxItems"],
      [{ ...good, items: [{ sku: "", quantity: 1 }] }, "/items/0/sku minLength"],
      [{ ...good, items: [{ sku: "x".repeat(65), quantity: 1 }] }, "/items/0/sku maxLength"],
      [{ ...good, items: [{ sku: "a b", quantity: 1 }] }, "/items/0/sku pattern"],
      [{ ...good, items: [{ sku: "A", quantity: 0 }] }, "/items/0/quantity minimum"],
      [{ ...good, items: [{ sku: "A", quantity: 1001 }] }, "/items/0/quantity maximum"],
      [{ ...good, items: [{ sku: "A", quantity: 1.5 }] }, "/items/0/quantity type"],
      [{ ...good, items: [{ sku: "A", quantity: "5" }] }, "/items/0/quantity type"],
      [{ ...good, items: [{ sku: "A", quantity: 1, price: 1 }] }, "/items/0 additionalProperties"],
      [{ ...good, total: 1 }, " additionalProperties"],
      [{ customerId: "c", items: good.items }, " required"],
    ];
    for (const [body, expected] of cases) {
      assert.ok(
        errorsOf(body).includes(expected),
        `${JSON.stringify(body).slice(0, 80)} → ${expected}: ${errorsOf(body)}`,
      );
    }
  });

  test("product upsert: bounds on price and stock, integers only", () => {
    const product = { name: "Mug", unitPrice: 1299, currency: "EUR", stock: 5 };
    assert.equal(validProduct(product), true);
    assert.equal(validProduct({ ...product, unitPrice: LIMITS.unitPriceMax, stock: LIMITS.stockMax }), true);
    const bad: [unknown, string][] = [
      [{ ...product, unitPrice: -1 }, "/unitPrice minimum"],
      [{ ...product, unitPrice: LIMITS.unitPriceMax + 1 }, "/unitPrice maximum"],
      [{ ...product, unitPrice: 12.99 }, "/unitPrice type"],
      [{ ...product, stock: -1 }, "/stock minimum"],
      [{ ...product, stock: LIMITS.stockMax + 1 }, "/stock maximum"],
      [{ ...product, name: "" }, "/name minLength"],
      [{ ...product, name: "n".repeat(201) }, "/name maxLength"],
      [{ ...product, currency: "E1R" }, "/currency pattern"],
      [{ ...product, sku: "A" }, " additionalProperties"],
    ];
    for (const [body, expected] of bad) {
      validProduct(body);
      const errors = (validProduct.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
      assert.ok(errors.includes(expected), `${expected}: ${errors}`);
    }
  });
});
