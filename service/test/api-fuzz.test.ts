/**
 * Property-based fuzzing of the API (fast-check): a few thousand generated requests — order bodies
 * near and far from valid, hostile strings (U+0000, unpaired surrogates, any code point), odd paths,
 * queries, ids and headers, as customers and admins — must never get a 5xx, and every 4xx must be a
 * problem document whose `status` matches, whose validation errors each name a field, an `in` and a
 * rule. Requests go through fastify's full stack (inject), with a real store and cache.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { OrderIntake } from "../src/modes/types.js";
import { type ApiHarness, createApiHarness } from "./support/api-harness.js";

/** Acknowledges at once: the fuzzer exercises the API, not Kinesis. */
class AcceptingIntake implements OrderIntake {
  readonly mode = "stream" as const;
  async submit(): Promise<void> {}
  async checkReady(): Promise<void> {}
  async close(): Promise<void> {}
}

let h: ApiHarness;
let app: FastifyInstance;
let customer: Record<string, string>;
let admin: Record<string, string>;
const tally = new Map<number, number>();

before(async () => {
  h = await createApiHarness("api_fuzz");
  app = await h.buildAnother({ intake: new AcceptingIntake() });
  customer = await h.customer("fuzz-customer");
  admin = await h.admin();
  await h.products([{ sku: "FUZZ-1", name: "Fuzz", unitPrice: 10, currency: "EUR", stock: 1_000_000 }]);
});
after(async () => {
  console.log(
    `fuzz: ${[...tally]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(", ")}`,
  );
  await h.close();
});

const hostileChar = fc.oneof(
  fc.constantFrom("\u0000", "\uD800", "\uDFFF", "\u00e9", "\u{1F600}", "%", "\\", '"', "\n", " "),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: hostileChar, maxLength: 20 }),
  fc.constantFrom("", "fuzz-customer", "FUZZ-1", "EUR", "x".repeat(200)),
);
const anyJson = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 3 }),
);
const item = fc.record(
  {
    sku: fc.oneof(fc.constant("FUZZ-1"), text, anyJson),
    quantity: fc.oneof(fc.integer({ min: -5, max: 1_005 }), anyJson),
    extra: anyJson,
  },
  { requiredKeys: [] },
);
const orderBody = fc.record(
  {
    orderId: fc.oneof(fc.uuid(), text),
    customerId: fc.oneof(fc.constant("fuzz-customer"), text, anyJson),
    currency: fc.oneof(fc.constant("EUR"), text),
    items: fc.oneof(fc.array(item, { maxLength: 4 }), anyJson),
    coupon: anyJson,
  },
  { requiredKeys: [] },
);

/** Orders that may be valid, so accepted answers (and the idempotency paths) are fuzzed too. */
const plausibleOrder = fc.record({
  orderId: fc.option(fc.uuid(), { nil: undefined }),
  customerId: fc.constantFrom("fuzz-customer", "someone-else"),
  currency: fc.constantFrom("EUR", "USD"),
  items: fc.array(
    fc.record({ sku: fc.constantFrom("FUZZ-1", "NOPE"), quantity: fc.integer({ min: 1, max: 1_000 }) }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
});

function checkAnswer(res: LightMyRequestResponse, what: string): void {
  tally.set(res.statusCode, (tally.get(res.statusCode) ?? 0) + 1);
  assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (res.statusCode < 400) return;
  assert.match(
    String(res.headers["content-type"]),
    /^application\/problem\+json/,
    `${what}: ${res.body.slice(0, 200)}`,
  );
  const problem = res.json() as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: unknown[];
  };
  assert.equal(problem.status, res.statusCode, what);
  assert.ok(problem.type && problem.title && problem.detail, `${what}: ${res.body.slice(0, 200)}`);
  if (problem.type.endsWith("/validation")) {
    assert.ok(
      Array.isArray(problem.errors) && problem.errors.length > 0,
      `${what}: a validation problem names its field`,
    );
    for (const error of problem.errors as { field: string; in: string; rule: string }[]) {
      assert.ok(error.field && error.in && error.rule, `${what}: ${JSON.stringify(error)}`);
    }
  }
}

const caller = fc.constantFrom("customer", "admin", "none");
const headersOf = (who: string) => (who === "customer" ? customer : who === "admin" ? admin : {});

test("POST /orders: 0 5xx, every 4xx a problem naming the field", async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(orderBody, plausibleOrder), caller, fc.option(text), async (body, who, key) => {
      const headers: Record<string, string> = { ...headersOf(who), "content-type": "application/json" };
      if (key !== null && /^[\x20-\x7E]*$/.test(key)) headers["idempotency-key"] = key;
      checkAnswer(
        await app.inject({ method: "POST", url: "/orders", headers, payload: JSON.stringify(body) }),
        "POST /orders",
      );
    }),
    { numRuns: 1_200 },
  );
});

test("raw bodies and content types: 0 5xx", async () => {
  const raw = fc.oneof(
    fc.string({ unit: hostileChar, maxLength: 40 }),
    fc.json(),
    fc.constantFrom("{", "[]", "null", '{"items":'),
  );
  const type = fc.constantFrom(
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin1",
  );
  await fc.assert(
    fc.asyncProperty(raw, type, async (payload, contentType) => {
      checkAnswer(
        await app.inject({
          method: "POST",
          url: "/orders",
          headers: { ...customer, "content-type": contentType },
          payload,
        }),
        `POST /orders ${contentType}`,
      );
    }),
    { numRuns: 500 },
  );
});

test("paths, queries and ids: 0 5xx", async () => {
  const segment = fc.oneof(
    fc.uuid(),
    text.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ""))),
    fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "..", "a%2Fb", "x".repeat(300)),
  );
  const route = fc.oneof(
    segment.map((s) => ({ method: "GET" as const, url: `/orders/${s}` })),
    segment.map((s) => ({ method: "POST" as const, url: `/orders/${s}/cancel` })),
    segment.map((s) => ({ method: "GET" as const, url: `/products/${s}` })),
    fc
      .record(
        { customerId: segment, status: segment, limit: segment, cursor: segment, other: segment },
        { requiredKeys: [] },
      )
      .map((q) => ({
        method: "GET" as const,
        url: `/orders?${Object.entries(q)
          .map(([k, v]) => `${k}=${v}`)
          .join("&")}`,
      })),
    fc
      .constantFrom("DELETE", "PATCH", "PUT")
      .map((method) => ({ method: method as "DELETE", url: "/orders" })),
  );
  await fc.assert(
    fc.asyncProperty(route, caller, async (r, who) => {
      checkAnswer(
        await app.inject({ method: r.method, url: r.url, headers: headersOf(who) }),
        `${r.method} ${r.url.slice(0, 80)}`,
      );
    }),
    { numRuns: 1_000 },
  );
});

test("PUT /products/:sku as admin: 0 5xx", async () => {
  const product = fc.record(
    {
      name: fc.oneof(text, anyJson),
      unitPrice: fc.oneof(fc.integer({ min: -10, max: 2 ** 53 }), anyJson),
      currency: fc.oneof(fc.constant("EUR"), text),
      stock: fc.oneof(fc.integer({ min: -10, max: 2_000_000_000 }), anyJson),
    },
    { requiredKeys: [] },
  );
  const sku = fc.oneof(
    fc.constant("FUZZ-2"),
    text.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ""))),
  );
  await fc.assert(
    fc.asyncProperty(sku, product, async (s, body) => {
      checkAnswer(
        await app.inject({ method: "PUT", url: `/products/${s}`, headers: admin, payload: body }),
        `PUT /products/${s}`,
      );
    }),
    { numRuns: 500 },
  );
});
