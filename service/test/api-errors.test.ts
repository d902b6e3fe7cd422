/**
 * Every error is an RFC 9457 problem document that names the field and the rule: validation (body,
 * path, query, header), malformed JSON, wrong media type, oversized bodies, unknown routes, and
 * unexpected failures that must not leak internals. Request ids are honoured and echoed.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { BODY_LIMIT_BYTES } from "../src/api/app.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { SqlOrderStore } from "../src/store/order-store.js";
import { type ApiHarness, createApiHarness, problemOf } from "./support/api-harness.js";
import { createTestDatabase } from "./support/services.js";

let h: ApiHarness;
let headers: Record<string, string>;

before(async () => {
  h = await createApiHarness("api_errors");
  headers = await h.customer("vera");
});
after(() => h.close());

const valid = () => ({ customerId: "vera", currency: "EUR", items: [{ sku: "SKU-1", quantity: 1 }] });

async function postOrder(payload: unknown, extraHeaders: Record<string, string> = {}) {
  return h.app.inject({
    method: "POST",
    url: "/orders",
    headers: { ...headers, ...extraHeaders },
    payload: payload as object,
  });
}

describe("validation names the field and the rule", () => {
  const cases: [string, (body: ReturnType<typeof valid>) => unknown, string, string][] = [
    [
      "quantity above 1000",
      (b) => ({ ...b, items: [{ sku: "A", quantity: 1001 }] }),
      "items[0].quantity",
      "maximum: 1000",
    ],
    ["quantity 0", (b) => ({ ...b, items: [{ sku: "A", quantity: 0 }] }), "items[0].quantity", "minimum: 1"],
    [
      "fractional quantity",
      (b) => ({ ...b, items: [{ sku: "A", quantity: 1.5 }] }),
      "items[0].quantity",
      "type: integer",
    ],
    [
      "quantity as a string (no coercion)",
      (b) => ({ ...b, items: [{ sku: "A", quantity: "2" }] }),
      "items[0].quantity",
      "type: integer",
    ],
    ["no items", (b) => ({ ...b, items: [] }), "items", "minItems: 1"],
    [
      "101 items",
      (b) => ({ ...b, items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }),
      "items",
      "maxItems: 100",
    ],
    ["lower-case currency", (b) => ({ ...b, currency: "eur" }), "currency", "pattern: ^[A-Z]{3}$"],
    ["missing customerId", ({ customerId: _, ...rest }) => rest, "customerId", "required"],
    ["missing sku", (b) => ({ ...b, items: [{ quantity: 1 }] }), "items[0].sku", "required"],
    ["unknown property", (b) => ({ ...b, coupon: "FREE" }), "coupon", "additionalProperties: false"],
    [
      "unknown item property",
      (b) => ({ ...b, items: [{ sku: "A", quantity: 1, price: 1 }] }),
      "items[0].price",
      "additionalProperties: false",
    ],
    ["orderId not a UUID", (b) => ({ ...b, orderId: "order-1" }), "orderId", "pattern"],
    [
      "sku too long",
      (b) => ({ ...b, items: [{ sku: "S".repeat(65), quantity: 1 }] }),
      "items[0].sku",
      "maxLength: 64",
    ],
    ["body is an array", () => [valid()], "(body)", "type: object"],
  ];
  for (const [name, mutate, field, rule] of cases) {
    test(name, async () => {
      const submittedBefore = h.intake.attempts;
      const res = await postOrder(mutate(valid()));
      assert.equal(res.statusCode, 400);
      const problem = problemOf(res);
      assert.equal(problem.status, 400);
      assert.equal(problem.title, "Request validation failed");
      assert.equal(problem.type, "https://fastcart.dev/problems/validation");
      assert.equal(problem.errors?.length, 1);
      const [error] = problem.errors!;
      assert.equal(error!.field, field);
      assert.equal(error!.in, "body");
      assert.ok(error!.rule.startsWith(rule), `${error!.rule} should start with ${rule}`);
      assert.ok(problem.detail.includes(field), "detail names the field");
      assert.equal(h.intake.attempts, submittedBefore, "nothing submitted");
    });
  }

  test("an Idempotency-Key header that is too long or not visible ASCII is a 400 naming the header", async () => {
    for (const key of ["k".repeat(256), "has space"]) {
      const res = await postOrder(valid(), { "idempotency-key": key });
      assert.equal(res.statusCode, 400);
      const [error] = problemOf(res).errors!;
      assert.equal(error!.field, "idempotency-key");
      assert.equal(error!.in, "header");
    }
  });

  test("a product body names its fields too", async () => {
    const res = await h.app.inject({
      method: "PUT",
      url: "/products/SKU-1",
      headers: await h.admin(),
      payload: { name: "", unitPrice: -1, currency: "EUR", stock: 1 },
    });
    assert.equal(res.statusCode, 400);
    const [error] = problemOf(res).errors!;
    assert.ok(["name", "unitPrice"].includes(error!.field));
  });

  test("a path sku with forbidden characters is a 400 naming sku", async () => {
    const res = await h.app.inject({ method: "GET", url: "/products/bad%20sku", headers });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      problemOf(res).errors?.map((e) => [e.field, e.in]),
      [["sku", "path"]],
    );
  });
});

describe("transport errors", () => {
  test("malformed JSON → 400 problem", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: { ...headers, "content-type": "application/json" },
      payload: '{"customerId": "vera", ',
    });
    assert.equal(res.statusCode, 400);
    const problem = problemOf(res);
    assert.equal(problem.type, "https://fastcart.dev/problems/malformed-json");
    assert.match(problem.detail, /not valid JSON/);
  });

  test("an empty JSON body → 400 problem", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: { ...headers, "content-type": "application/json" },
      payload: "",
    });
    assert.equal(res.statusCode, 400);
    assert.equal(problemOf(res).type, "https://fastcart.dev/problems/malformed-json");
  });

  test("a wrong content type → 415 problem", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await h.app.inject({
        method: "POST",
        url: "/orders",
        headers: { ...headers, "content-type": type },
        payload: "customerId=vera",
      });
      assert.equal(res.statusCode, 415, type);
      assert.match(problemOf(res).detail, /application\/json/);
    }
  });

  test("application/json with a charset parameter is fine", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: { ...headers, "content-type": "application/json; charset=utf-8" },
      payload: JSON.stringify(valid()),
    });
    assert.equal(res.statusCode, 202);
  });

  test("a body over the limit → 413 problem, before any parsing", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: { ...headers, "content-type": "application/json" },
      payload: JSON.stringify({ ...valid(), pad: "x".repeat(BODY_LIMIT_BYTES) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(problemOf(res).title, "Payload too large");
  });

  test("an unknown route → 404 problem", async () => {
    for (const url of ["/nowhere", "/orders/a/b/c"]) {
      const res = await h.app.inject({ method: "GET", url, headers });
      assert.equal(res.statusCode, 404, url);
      assert.match(problemOf(res).detail, new RegExp(`GET ${url}`));
    }
  });

  test("a known path with the wrong method → 405 problem with Allow", async () => {
    const res = await h.app.inject({ method: "DELETE", url: "/orders", headers });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, "GET, HEAD, POST");
    assert.match(problemOf(res).detail, /DELETE is not allowed on \/orders/);
    const cancel = await h.app.inject({ method: "GET", url: `/orders/${randomUUID()}/cancel?x=1`, headers });
    assert.equal(cancel.statusCode, 405);
    assert.equal(cancel.headers.allow, "POST");
  });
});

describe("request ids", () => {
  test("an incoming X-Request-Id is echoed and used as the problem instance", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: "/nowhere",
      headers: { "x-request-id": "trace-abc-123" },
    });
    assert.equal(res.headers["x-request-id"], "trace-abc-123");
    assert.equal(problemOf(res).instance, "urn:request:trace-abc-123");
  });

  test("a missing or unacceptable X-Request-Id is replaced by a fresh UUID", async () => {
    const fresh = await h.app.inject({ method: "GET", url: "/health" });
    assert.match(String(fresh.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    const hostile = await h.app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": "a b\tc" },
    });
    assert.match(String(hostile.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
  });
});

describe("unexpected failures", () => {
  test("an unreachable database is a 503 with Retry-After whose body leaks nothing", async () => {
    // A real store whose database is a closed port.
    const db = createDatabase(databaseConfigFromUrl("postgres://postgres@127.0.0.1:1/nowhere", 1));
    const app = await h.buildAnother({ store: new SqlOrderStore(db) });
    try {
      const res = await app.inject({ method: "GET", url: `/orders/${randomUUID()}`, headers });
      assert.equal(res.statusCode, 503);
      assert.ok(Number(res.headers["retry-after"]) > 0);
      const problem = problemOf(res);
      assert.equal(problem.detail, "a backing service is unavailable; retry later");
      assert.doesNotMatch(res.body, /ECONNREFUSED|127\.0\.0\.1|postgres/);
      // A keyed POST needs the store before it submits: 503, and nothing reaches the stream.
      const attempts = h.intake.attempts;
      const keyed = await app.inject({
        method: "POST",
        url: "/orders",
        headers: { ...headers, "idempotency-key": "db-down-1" },
        payload: valid(),
      });
      assert.equal(keyed.statusCode, 503);
      assert.equal(h.intake.attempts, attempts);
    } finally {
      await db.destroy();
    }
  });

  test("a bug-class failure (the schema is missing) is a 500 whose body leaks nothing", async () => {
    // A real store on a real, reachable database that was never migrated: "relation does not exist".
    const empty = await createTestDatabase("api_errors_empty");
    const db = createDatabase(databaseConfigFromUrl(empty.url, 1));
    const app = await h.buildAnother({ store: new SqlOrderStore(db) });
    try {
      const res = await app.inject({ method: "GET", url: `/orders/${randomUUID()}`, headers });
      assert.equal(res.statusCode, 500);
      const problem = problemOf(res);
      assert.equal(problem.title, "Internal server error");
      assert.doesNotMatch(res.body, /relation|orders"|select|stack|postgres/i);
      assert.match(problem.instance, /^urn:request:/);
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });
});
