/**
 * Text the databases cannot store (U+0000, unpaired surrogates) is a 400 at the edge naming the field,
 * never a 202 for an order whose batch would then fail forever; and a token whose `sub` is unusable
 * is a 401 problem whose WWW-Authenticate header stays ASCII on a real socket (Node refuses any other
 * byte there and fastify would answer its own non-problem body).
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import { bearerDescription } from "../src/api/errors.js";
import { isStorableText, STORABLE_TEXT_RULE } from "../src/orders/storable-text.js";
import { type ApiHarness, createApiHarness, problemOf, TEST_JWT_SECRET } from "./support/api-harness.js";

let h: ApiHarness;
let admin: Record<string, string>;

before(async () => {
  h = await createApiHarness("api_storable");
  admin = await h.admin();
  await h.products([{ sku: "PEAR", name: "Pear", unitPrice: 30, currency: "EUR", stock: 50 }]);
});
after(() => h.close());

const order = (customerId: string) => ({
  customerId,
  currency: "EUR",
  items: [{ sku: "PEAR", quantity: 1 }],
});

describe("unstorable text is refused at the edge", () => {
  test("isStorableText: NUL and unpaired surrogates out, paired surrogates (emoji) and accents in", () => {
    assert.equal(isStorableText("plain"), true);
    assert.equal(isStorableText("caf\u00e9 \u{1F600}"), true);
    assert.equal(isStorableText("x\u0000y"), false);
    assert.equal(isStorableText("\uD800"), false);
    assert.equal(isStorableText("a\uDC00b"), false);
  });

  for (const [label, customerId] of [
    ["U+0000", "x\u0000y"],
    ["a lone high surrogate", "x\uD83Dy"],
    ["a lone low surrogate", "\uDE00"],
  ] as const) {
    test(`POST /orders with ${label} in customerId → 400 naming customerId (admin may name any customer)`, async () => {
      const res = await h.app.inject({
        method: "POST",
        url: "/orders",
        headers: admin,
        payload: order(customerId),
      });
      assert.equal(res.statusCode, 400, res.body);
      const problem = problemOf(res);
      assert.equal(problem.errors?.[0]?.field, "customerId");
      assert.equal(problem.errors?.[0]?.rule, STORABLE_TEXT_RULE);
      assert.match(problem.detail, /U\+0000/);
      assert.equal(h.intake.submitted.length, 0, "nothing reached the intake");
    });
  }

  test("an emoji customer id is storable and accepted", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: admin,
      payload: order("\u{1F600}-fan"),
    });
    assert.equal(res.statusCode, 202, res.body);
  });

  test("PUT /products with NUL in the name → 400 naming name", async () => {
    const res = await h.app.inject({
      method: "PUT",
      url: "/products/PEAR",
      headers: admin,
      payload: { name: "Pe\u0000ar", unitPrice: 30, currency: "EUR", stock: 5 },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(problemOf(res).errors?.[0]?.field, "name");
  });

  test("GET /orders?customerId with an escaped NUL → 400 naming the query field, not a database error", async () => {
    const res = await h.app.inject({ method: "GET", url: "/orders?customerId=a%00b", headers: admin });
    assert.equal(res.statusCode, 400, res.body);
    const problem = problemOf(res);
    assert.equal(problem.errors?.[0]?.field, "customerId");
    assert.equal(problem.errors?.[0]?.in, "query");
  });
});

describe("a token whose sub cannot be a customer id", () => {
  const sign = (sub: string) =>
    new SignJWT({ sub })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));

  test("bearerDescription folds a detail to RFC 6750's error_description alphabet", () => {
    assert.equal(bearerDescription('1\u2013128 "x" \\ caf\u00e9'), "1-128 'x' ? caf?");
  });

  test("empty, too long or NUL sub → 401 problem over a real socket, ASCII WWW-Authenticate", async () => {
    const app = await h.buildAnother();
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      for (const sub of ["", "s".repeat(129), "a\u0000b"]) {
        const res = await fetch(`http://127.0.0.1:${port}/orders`, {
          headers: { authorization: `Bearer ${await sign(sub)}` },
        });
        assert.equal(res.status, 401, `sub ${JSON.stringify(sub).slice(0, 20)}`);
        assert.match(String(res.headers.get("content-type")), /^application\/problem\+json/);
        const header = String(res.headers.get("www-authenticate"));
        assert.match(header, /^[\x20-\x7E]+$/);
        assert.match(header, /error="invalid_token"/);
        assert.match(((await res.json()) as { detail: string }).detail, /sub claim/);
      }
    } finally {
      await app.close();
    }
  });
});
