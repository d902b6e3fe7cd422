/**
 * Authentication and authorisation boundaries: bearer tokens (HS256 secret, or a JWKS served over HTTP
 * by a real server here), issuer/audience, expiry, scopes, and which routes need no token at all.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { createTokenVerifier, memoizeVerifier, mintToken } from "../src/api/auth.js";
import { loadConfig } from "../src/config.js";
import { createApiHarness, problemOf, TEST_JWT_SECRET } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const h = perSuite(() =>
  createApiHarness("api_auth", {
    products: [{ sku: "KIWI", name: "Kiwi", unitPrice: 40, currency: "EUR", stock: 50 }],
  }),
);

const anOrder = (customerId: string) => ({
  customerId,
  currency: "EUR",
  items: [{ sku: "KIWI", quantity: 1 }],
});

async function sign(claims: Record<string, unknown>, secret = TEST_JWT_SECRET, exp: number | null = 600) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (exp !== null) jwt = jwt.setExpirationTime(Math.floor(Date.now() / 1000) + exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe("bearer tokens", () => {
  test("no Authorization header → 401 with WWW-Authenticate: Bearer", async () => {
    const res = await h.app.inject({ method: "GET", url: "/orders" });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers["www-authenticate"]), /^Bearer realm="fastcart"/);
    assert.match(problemOf(res).detail, /Authorization: Bearer/);
  });

  test("a non-Bearer scheme or an empty token → 401 invalid_token", async () => {
    for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer ", "Bearer"]) {
      const res = await h.app.inject({ method: "GET", url: "/orders", headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.ok(res.headers["www-authenticate"], authorization);
    }
  });

  test("the scheme name is case-insensitive", async () => {
    const token = await mintToken({ secret: TEST_JWT_SECRET, sub: "zoe", ttlSeconds: 60 });
    const res = await h.app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `bearer ${token}` },
    });
    assert.equal(res.statusCode, 200);
  });

  test("a bad signature → 401 naming the signature", async () => {
    const forged = await sign({ sub: "zoe" }, "another-secret-that-is-long-enough-to-sign-with");
    const res = await h.app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${forged}` },
    });
    assert.equal(res.statusCode, 401);
    assert.match(problemOf(res).detail, /signature/);
    assert.match(String(res.headers["www-authenticate"]), /error="invalid_token"/);
  });

  test("an expired token → 401 'expired'", async () => {
    const expired = await sign({ sub: "zoe" }, TEST_JWT_SECRET, -60);
    const res = await h.app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${expired}` },
    });
    assert.equal(res.statusCode, 401);
    assert.match(problemOf(res).detail, /expired/);
  });

  test("a token without exp or without sub → 401 naming the claim", async () => {
    const noExp = await sign({ sub: "zoe" }, TEST_JWT_SECRET, null);
    const r1 = await h.app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${noExp}` },
    });
    assert.equal(r1.statusCode, 401);
    assert.match(problemOf(r1).detail, /exp/);
    const noSub = await sign({});
    const r2 = await h.app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${noSub}` },
    });
    assert.equal(r2.statusCode, 401);
    assert.match(problemOf(r2).detail, /sub/);
  });

  test("alg none and garbage are refused", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ sub: "zoe", exp: 9_999_999_999 })).toString("base64url");
    for (const token of [`${header}.${payload}.`, "not.a.jwt", "x"]) {
      const res = await h.app.inject({
        method: "GET",
        url: "/orders",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 401, token);
    }
  });

  test("issuer and audience are enforced when configured", async () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://unused@127.0.0.1/unused",
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_ISSUER: "https://issuer.fastcart.test",
      AUTH_AUDIENCE: "fastcart-api",
      KINESIS_ENDPOINT: h.kinesis.endpoint,
    });
    const app = await h.buildAnother({ config });
    const good = await mintToken({
      secret: TEST_JWT_SECRET,
      sub: "zoe",
      ttlSeconds: 60,
      issuer: "https://issuer.fastcart.test",
      audience: "fastcart-api",
    });
    const ok = await app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${good}` },
    });
    assert.equal(ok.statusCode, 200);
    const wrongAudience = await mintToken({
      secret: TEST_JWT_SECRET,
      sub: "zoe",
      ttlSeconds: 60,
      issuer: "https://issuer.fastcart.test",
      audience: "someone-else",
    });
    const res = await app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${wrongAudience}` },
    });
    assert.equal(res.statusCode, 401);
    assert.match(problemOf(res).detail, /aud/);
    const noIssuer = await mintToken({
      secret: TEST_JWT_SECRET,
      sub: "zoe",
      ttlSeconds: 60,
      audience: "fastcart-api",
    });
    const res2 = await app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${noIssuer}` },
    });
    assert.equal(res2.statusCode, 401);
    assert.match(problemOf(res2).detail, /iss/);
  });
});

describe("scopes and ownership", () => {
  test("catalog writes need admin (403 insufficient_scope); reads need only a token", async () => {
    const product = { name: "Kiwi", unitPrice: 45, currency: "EUR", stock: 10 };
    const customer = await h.app.inject({
      method: "PUT",
      url: "/products/KIWI",
      headers: await h.customer("zoe"),
      payload: product,
    });
    assert.equal(customer.statusCode, 403);
    assert.match(String(customer.headers["www-authenticate"]), /insufficient_scope/);
    assert.equal((await h.store.getProduct("KIWI"))?.unitPrice, 40, "nothing written");
    const anonymous = await h.app.inject({ method: "PUT", url: "/products/KIWI", payload: product });
    assert.equal(anonymous.statusCode, 401);
    const read = await h.app.inject({
      method: "GET",
      url: "/products/KIWI",
      headers: await h.customer("zoe"),
    });
    assert.equal(read.statusCode, 200);
  });

  test("admin via an `scp` array claim (as some identity providers send it)", async () => {
    const token = await sign({ sub: "ops", scp: ["orders", "admin"] });
    const res = await h.app.inject({
      method: "PUT",
      url: "/products/KIWI",
      headers: { authorization: `Bearer ${token}` },
      payload: { name: "Kiwi", unitPrice: 40, currency: "EUR", stock: 50 },
    });
    assert.equal(res.statusCode, 200);
  });

  test("a scope that merely contains the word admin is not admin", async () => {
    const token = await sign({ sub: "sneaky", scope: "orders administrator notadmin" });
    const res = await h.app.inject({
      method: "PUT",
      url: "/products/KIWI",
      headers: { authorization: `Bearer ${token}` },
      payload: { name: "Kiwi", unitPrice: 1, currency: "EUR", stock: 1 },
    });
    assert.equal(res.statusCode, 403);
  });

  test("a customer reads only their own orders (404 otherwise); admin reads any", async () => {
    const placed = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("owner"),
      payload: anOrder("owner"),
    });
    const { orderId } = placed.json();
    await h.decide();
    const intruder = await h.app.inject({
      method: "GET",
      url: `/orders/${orderId}`,
      headers: await h.customer("x"),
    });
    assert.equal(intruder.statusCode, 404);
    const admin = await h.app.inject({ method: "GET", url: `/orders/${orderId}`, headers: await h.admin() });
    assert.equal(admin.statusCode, 200);
    assert.equal(admin.json().status, "CONFIRMED");
  });
});

describe("open routes", () => {
  test("/health, /ready, /metrics and /docs need no token", async () => {
    for (const url of ["/health", "/ready", "/metrics", "/docs/json", "/docs"]) {
      const res = await h.app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, url);
    }
  });
});

describe("JWKS", () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;

  before(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const rsToken = (key: CryptoKey, claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setExpirationTime("5m").sign(key);

  test("tokens signed by the provider's key are accepted; HS256 tokens are not", async () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://unused@127.0.0.1/unused",
      AUTH_JWKS_URL: jwksUrl,
      KINESIS_ENDPOINT: h.kinesis.endpoint,
    });
    const app = await h.buildAnother({ config });
    const good = await rsToken(privateKey, { sub: "rsa-user", scope: "admin" });
    const ok = await app.inject({
      method: "GET",
      url: "/products/KIWI",
      headers: { authorization: `Bearer ${good}` },
    });
    assert.equal(ok.statusCode, 200);

    const hs = await mintToken({ secret: TEST_JWT_SECRET, sub: "zoe", ttlSeconds: 60 });
    const refused = await app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${hs}` },
    });
    assert.equal(refused.statusCode, 401);

    const other = await generateKeyPair("RS256");
    const forged = await rsToken(other.privateKey, { sub: "rsa-user" });
    const bad = await app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${forged}` },
    });
    assert.equal(bad.statusCode, 401);
  });

  test("an unreachable JWKS endpoint is a 503 (our outage), not a 401", async () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://unused@127.0.0.1/unused",
      AUTH_JWKS_URL: "http://127.0.0.1:1/jwks.json",
      KINESIS_ENDPOINT: h.kinesis.endpoint,
    });
    const app = await h.buildAnother({ config });
    const token = await rsToken(privateKey, { sub: "rsa-user" });
    const res = await app.inject({
      method: "GET",
      url: "/orders",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.statusCode, 503);
    assert.ok(res.headers["retry-after"]);
  });
});

describe("token verifier units", () => {
  test("a verifier needs a key source", () => {
    assert.throws(() => createTokenVerifier({}), /AUTH_JWT_SECRET or AUTH_JWKS_URL/);
  });

  test("scope forms: space-separated scope, scp array, scp string", async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    assert.equal((await verify(await sign({ sub: "a", scope: "orders admin" }))).admin, true);
    assert.equal((await verify(await sign({ sub: "a", scp: ["admin"] }))).admin, true);
    assert.equal((await verify(await sign({ sub: "a", scp: "orders admin" }))).admin, true);
    assert.deepEqual((await verify(await sign({ sub: "a" }))).scopes, []);
  });

  test("a sub longer than a customer id can be is refused", async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    await assert.rejects(verify(await sign({ sub: "x".repeat(129) })), /sub claim/);
  });

  test("the memo answers repeated tokens without re-verifying, but never past the token's exp", async () => {
    let calls = 0;
    const inner = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    const counted = async (token: string) => {
      calls += 1;
      return inner(token);
    };
    const memo = memoizeVerifier(counted, 60_000);
    const token = await sign({ sub: "memo" });
    await memo(token);
    await memo(token);
    assert.equal(calls, 1);
    // Expires in 1 s: memoised for at most that long, then verified again (and refused).
    const shortLived = await sign({ sub: "brief" }, TEST_JWT_SECRET, 1);
    await memo(shortLived);
    await memo(shortLived);
    assert.equal(calls, 2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // jose allows 5 s of clock tolerance, so the token still verifies, but the memo must ask again.
    await memo(shortLived);
    assert.equal(calls, 3);
    // Invalid tokens are never memoised.
    await assert.rejects(memo("garbage"));
    await assert.rejects(memo("garbage"));
    assert.equal(calls, 5);
  });
});
