/**
 * Order routes against real PostgreSQL (SqlOrderStore) and a real Kinesis producer on kinesalite:
 * accept and cancel; reading and listing are in api-orders-read.test.ts.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { seriesValue } from "../tools/load/index.js";
import { createApiHarness, FRUIT_CATALOG, fruitOrder, problemOf } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const h = perSuite(() => createApiHarness("api_orders", { products: FRUIT_CATALOG }));

describe("POST /orders", () => {
  test("each step of an accept is timed: the claim only for a client-chosen id, then intake and cache", async () => {
    const counts = async () => {
      const text = await h.registry.metrics();
      const count = (stage: string) => seriesValue(text, "order_accept_stage_seconds_count", { stage }) ?? 0;
      return { claim: count("claim"), intake: count("intake"), cache: count("cache") };
    };
    const headers = await h.customer("alice");
    const before = await counts();
    const chosen = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers,
      payload: fruitOrder("alice", { orderId: randomUUID() }),
    });
    const generated = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers,
      payload: fruitOrder("alice"),
    });
    assert.deepEqual([chosen.statusCode, generated.statusCode], [202, 202]);
    const after = await counts();
    assert.deepEqual(
      {
        claim: after.claim - before.claim,
        intake: after.intake - before.intake,
        cache: after.cache - before.cache,
      },
      { claim: 1, intake: 2, cache: 2 },
    );
  });

  test("202 with orderId, PENDING and Location, only after the producer acknowledged the record", async () => {
    const before = h.intake.submitted.length;
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("alice"),
      payload: fruitOrder("alice"),
    });
    assert.equal(res.statusCode, 202);
    const body = res.json();
    assert.match(body.orderId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(body.status, "PENDING");
    assert.deepEqual(Object.keys(body).sort(), ["orderId", "status"]);
    assert.equal(res.headers.location, `/orders/${body.orderId}`);
    assert.equal(h.intake.submitted.length, before + 1);
    const submitted = h.intake.submitted.at(-1)!;
    assert.equal(submitted.orderId, body.orderId);
    assert.deepEqual(submitted.items, fruitOrder("alice").items);
    assert.equal((await h.cache.get(body.orderId))?.status, "PENDING");
  });

  test("keeps a client-chosen orderId (lower-cased: one canonical form)", async () => {
    const id = randomUUID().toUpperCase();
    const res = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("alice"),
      payload: fruitOrder("alice", { orderId: id }),
    });
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().orderId, id.toLowerCase());
    assert.equal(res.headers.location, `/orders/${id.toLowerCase()}`);
  });

  test("a customer may not order for another customer (403); an admin may", async () => {
    const denied = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("alice"),
      payload: fruitOrder("bob"),
    });
    assert.equal(denied.statusCode, 403);
    assert.match(problemOf(denied).detail, /customerId/);
    const allowed = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.admin(),
      payload: fruitOrder("bob"),
    });
    assert.equal(allowed.statusCode, 202);
    assert.equal(h.intake.submitted.at(-1)?.customerId, "bob");
  });

  test("503 with Retry-After and nothing cached when the intake refuses the order", async () => {
    // A real producer whose stream does not exist: Kinesis answers ResourceNotFoundException.
    const broken = new KinesisOrderIntake(
      createKinesisClient({ ...h.config.kinesis, endpoint: h.kinesis.endpoint }),
      { streamName: "no-such-stream", lingerMs: 1, maxAttempts: 1, closeClient: true },
    );
    const app = await h.buildAnother({ intake: broken });
    const id = randomUUID();
    const res = await app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("alice"),
      payload: fruitOrder("alice", { orderId: id }),
    });
    assert.equal(res.statusCode, 503);
    assert.ok(Number(res.headers["retry-after"]) > 0);
    const problem = problemOf(res);
    assert.match(problem.detail, /intake unavailable/);
    assert.doesNotMatch(res.body, /no-such-stream|ResourceNotFound/, "internals never leak");
    assert.equal(await h.cache.get(id), undefined);
    assert.equal(res.headers.location, undefined);
    await broken.close();
  });

  test("a failing status cache (Redis down) is logged, never fails the request", async () => {
    const app = await h.buildAnother({ cache: h.deadCache() });
    const res = await app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("alice"),
      payload: fruitOrder("alice"),
    });
    assert.equal(res.statusCode, 202);
    // The order is durable and decidable regardless; the database answers once it is decided.
    await h.decide();
    const read = await app.inject({
      method: "GET",
      url: `/orders/${res.json().orderId}`,
      headers: await h.customer("alice"),
    });
    assert.equal(read.statusCode, 200);
  });
});

describe("POST /orders/:id/cancel", () => {
  test("CONFIRMED → CANCELLED releases the stock; cancelling again is 409 naming CANCELLED", async () => {
    await h.products([{ sku: "PLUM", name: "Plum", unitPrice: 50, currency: "EUR", stock: 10 }]);
    const headers = await h.customer("hana");
    const { orderId } = (
      await h.app.inject({
        method: "POST",
        url: "/orders",
        headers,
        payload: { customerId: "hana", currency: "EUR", items: [{ sku: "PLUM", quantity: 4 }] },
      })
    ).json();
    await h.decide();
    assert.equal((await h.store.getProduct("PLUM"))?.stock, 6);

    const res = await h.app.inject({ method: "POST", url: `/orders/${orderId}/cancel`, headers });
    assert.equal(res.statusCode, 200);
    const view = res.json();
    assert.equal(view.status, "CANCELLED");
    assert.deepEqual(
      view.history.map((c: { status: string }) => c.status),
      ["PENDING", "CONFIRMED", "CANCELLED"],
    );
    assert.equal((await h.store.getProduct("PLUM"))?.stock, 10);
    assert.equal((await h.cache.get(orderId))?.status, "CANCELLED");

    const again = await h.app.inject({ method: "POST", url: `/orders/${orderId}/cancel`, headers });
    assert.equal(again.statusCode, 409);
    assert.match(problemOf(again).detail, /CANCELLED/);
    assert.equal(problemOf(again).currentStatus, "CANCELLED");
    assert.equal((await h.store.getProduct("PLUM"))?.stock, 10, "no double release");
  });

  test("PENDING and REJECTED orders are 409 naming their status", async () => {
    const headers = await h.customer("ivan");
    const pending = (
      await h.app.inject({ method: "POST", url: "/orders", headers, payload: fruitOrder("ivan") })
    ).json();
    const res = await h.app.inject({ method: "POST", url: `/orders/${pending.orderId}/cancel`, headers });
    assert.equal(res.statusCode, 409);
    assert.match(problemOf(res).detail, /PENDING/);

    const rejected = (
      await h.app.inject({
        method: "POST",
        url: "/orders",
        headers,
        payload: { customerId: "ivan", currency: "EUR", items: [{ sku: "NOPE", quantity: 1 }] },
      })
    ).json();
    await h.decide();
    const res2 = await h.app.inject({ method: "POST", url: `/orders/${rejected.orderId}/cancel`, headers });
    assert.equal(res2.statusCode, 409);
    assert.match(problemOf(res2).detail, /REJECTED/);
  });

  test("not found and not yours are both 404; an admin may cancel any", async () => {
    await h.products([{ sku: "FIG", name: "Fig", unitPrice: 70, currency: "EUR", stock: 5 }]);
    const headers = await h.customer("jack");
    const { orderId } = (
      await h.app.inject({
        method: "POST",
        url: "/orders",
        headers,
        payload: { customerId: "jack", currency: "EUR", items: [{ sku: "FIG", quantity: 1 }] },
      })
    ).json();
    await h.decide();
    const missing = await h.app.inject({ method: "POST", url: `/orders/${randomUUID()}/cancel`, headers });
    assert.equal(missing.statusCode, 404);
    const notYours = await h.app.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      headers: await h.customer("mallory"),
    });
    assert.equal(notYours.statusCode, 404);
    const byAdmin = await h.app.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      headers: await h.admin(),
    });
    assert.equal(byAdmin.statusCode, 200);
    assert.equal(byAdmin.json().status, "CANCELLED");
  });
});
