/**
 * Order routes against real PostgreSQL (SqlOrderStore) and a real Kinesis producer on kinesalite:
 * read (cache while unprocessed, database once decided) and list with cursors; accepting and
 * cancelling are in api-orders.test.ts.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { createApiHarness, FRUIT_CATALOG, fruitOrder, problemOf } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const h = perSuite(() => createApiHarness("api_orders_read", { products: FRUIT_CATALOG }));

describe("GET /orders/:id", () => {
  test("an accepted, unprocessed order reads as PENDING from the cache (not 404)", async () => {
    const headers = await h.customer("carol");
    const accepted = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers,
      payload: fruitOrder("carol"),
    });
    const { orderId } = accepted.json();
    const res = await h.app.inject({ method: "GET", url: `/orders/${orderId}`, headers });
    assert.equal(res.statusCode, 200);
    const view = res.json();
    assert.equal(view.status, "PENDING");
    assert.equal(view.customerId, "carol");
    assert.equal(view.total, 0);
    assert.deepEqual(view.items, [
      { sku: "APPLE", quantity: 3, unitPrice: 0, lineTotal: 0 },
      { sku: "PEAR", quantity: 1, unitPrice: 0, lineTotal: 0 },
    ]);
    assert.equal(view.history.length, 1);
    assert.equal(view.history[0].status, "PENDING");
    assert.equal(view.rejectionReason, undefined);
  });

  test("once decided, the database answers: priced lines, total, history", async () => {
    await h.decide(); // earlier tests' orders first, so this test owns the pear stock
    await h.products([{ sku: "PEAR", name: "Pear", unitPrice: 250, currency: "EUR", stock: 1 }]);
    const headers = await h.customer("dave");
    const first = (
      await h.app.inject({ method: "POST", url: "/orders", headers, payload: fruitOrder("dave") })
    ).json();
    const second = (
      await h.app.inject({ method: "POST", url: "/orders", headers, payload: fruitOrder("dave") })
    ).json();
    await h.decide();

    const confirmed = (
      await h.app.inject({ method: "GET", url: `/orders/${first.orderId}`, headers })
    ).json();
    assert.equal(confirmed.status, "CONFIRMED");
    assert.deepEqual(confirmed.items, [
      { sku: "APPLE", quantity: 3, unitPrice: 120, lineTotal: 360 },
      { sku: "PEAR", quantity: 1, unitPrice: 250, lineTotal: 250 },
    ]);
    assert.equal(confirmed.total, 610);
    assert.deepEqual(
      confirmed.history.map((c: { status: string }) => c.status),
      ["PENDING", "CONFIRMED"],
    );
    assert.ok(
      !Number.isNaN(Date.parse(confirmed.createdAt)) && !Number.isNaN(Date.parse(confirmed.updatedAt)),
    );

    // Only one pear was in stock: the second order is rejected, with its reason.
    const rejected = (
      await h.app.inject({ method: "GET", url: `/orders/${second.orderId}`, headers })
    ).json();
    assert.equal(rejected.status, "REJECTED");
    assert.equal(rejected.rejectionReason, "OUT_OF_STOCK");
  });

  test("someone else's order is 404 for a customer; an admin reads any", async () => {
    const mine = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers: await h.customer("erin"),
      payload: fruitOrder("erin"),
    });
    const { orderId } = mine.json();
    const other = await h.app.inject({
      method: "GET",
      url: `/orders/${orderId}`,
      headers: await h.customer("mallory"),
    });
    assert.equal(other.statusCode, 404);
    assert.match(problemOf(other).detail, new RegExp(orderId));
    const admin = await h.app.inject({ method: "GET", url: `/orders/${orderId}`, headers: await h.admin() });
    assert.equal(admin.statusCode, 200);
    assert.equal(admin.json().customerId, "erin");
    // Also once it is in the database.
    await h.decide();
    const otherLater = await h.app.inject({
      method: "GET",
      url: `/orders/${orderId}`,
      headers: await h.customer("mallory"),
    });
    assert.equal(otherLater.statusCode, 404);
  });

  test("an unknown id is 404; a non-UUID id is 400 naming the parameter", async () => {
    const headers = await h.customer("alice");
    const missing = await h.app.inject({ method: "GET", url: `/orders/${randomUUID()}`, headers });
    assert.equal(missing.statusCode, 404);
    const bad = await h.app.inject({ method: "GET", url: "/orders/not-a-uuid", headers });
    assert.equal(bad.statusCode, 400);
    const problem = problemOf(bad);
    assert.deepEqual(problem.errors, [
      { field: "id", in: "path", rule: "format: uuid", message: 'must match format "uuid"' },
    ]);
  });

  test("a worker committing between the database read and the cache read still answers the decision", async () => {
    const headers = await h.customer("olga");
    const { orderId } = (
      await h.app.inject({ method: "POST", url: "/orders", headers, payload: fruitOrder("olga") })
    ).json();
    // The real store; its first read of this order returns what it saw, then a worker commits the
    // decision and refreshes the cache, exactly in the gap before the API consults the cache.
    const racing = Object.create(h.store) as typeof h.store;
    let first = true;
    racing.getOrder = async (id) => {
      const seen = await h.store.getOrder(id);
      if (first && id === orderId) {
        first = false;
        const decisions = await h.decide();
        const mine = decisions.find((d) => d.orderId === orderId)!;
        await h.cache.setMany([
          {
            orderId,
            customerId: "olga",
            status: mine.status,
            reason: mine.reason,
            updatedAt: mine.decidedAt,
          },
        ]);
      }
      return seen;
    };
    const app = await h.buildAnother({ store: racing });
    const res = await app.inject({ method: "GET", url: `/orders/${orderId}`, headers });
    assert.equal(res.statusCode, 200);
    assert.notEqual(res.json().status, "PENDING");
    assert.ok(res.json().history.length >= 2);
  });

  test("a failing status cache degrades to the database alone", async () => {
    const headers = await h.customer("frank");
    const { orderId } = (
      await h.app.inject({ method: "POST", url: "/orders", headers, payload: fruitOrder("frank") })
    ).json();
    await h.decide();
    const app = await h.buildAnother({ cache: h.deadCache() });
    const decided = await app.inject({ method: "GET", url: `/orders/${orderId}`, headers });
    assert.equal(decided.statusCode, 200);
    const unknown = await app.inject({ method: "GET", url: `/orders/${randomUUID()}`, headers });
    assert.equal(unknown.statusCode, 404);
  });
});

describe("GET /orders", () => {
  test("cursor pagination walks every order once, newest first, and ends without nextCursor", async () => {
    const headers = await h.customer("gina");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await h.app.inject({
        method: "POST",
        url: "/orders",
        headers,
        payload: { customerId: "gina", currency: "EUR", items: [{ sku: "APPLE", quantity: 1 }] },
      });
      ids.push(res.json().orderId);
      await h.decide();
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await h.app.inject({
        method: "GET",
        url: `/orders?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        headers,
      });
      assert.equal(res.statusCode, 200);
      const page = res.json();
      assert.ok(page.orders.length <= 3);
      for (const o of page.orders) {
        assert.equal(o.customerId, "gina");
        seen.push(o.orderId);
      }
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test("status filter, default limit 20, and limit bounds 1–100", async () => {
    const headers = await h.customer("gina");
    const confirmed = (
      await h.app.inject({ method: "GET", url: "/orders?status=CONFIRMED", headers })
    ).json();
    assert.equal(confirmed.orders.length, 7);
    assert.ok(confirmed.orders.every((o: { status: string }) => o.status === "CONFIRMED"));
    const all = (await h.app.inject({ method: "GET", url: "/orders", headers })).json();
    assert.equal(all.orders.length, 7);
    for (const [limit, rule] of [
      ["0", "minimum: 1"],
      ["101", "maximum: 100"],
      ["ten", "type: integer"],
    ]) {
      const res = await h.app.inject({ method: "GET", url: `/orders?limit=${limit}`, headers });
      assert.equal(res.statusCode, 400, limit);
      assert.deepEqual(
        problemOf(res).errors?.map((e) => [e.field, e.in, e.rule]),
        [["limit", "query", rule]],
      );
    }
    const badStatus = await h.app.inject({ method: "GET", url: "/orders?status=SHIPPED", headers });
    assert.equal(problemOf(badStatus).errors?.[0]?.field, "status");
    assert.match(problemOf(badStatus).errors?.[0]?.rule ?? "", /^enum: PENDING, CONFIRMED/);
  });

  test("a forged cursor is a 400 naming cursor", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: `/orders?cursor=${Buffer.from('["x","y"]').toString("base64url")}`,
      headers: await h.customer("gina"),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(problemOf(res).errors?.[0]?.field, "cursor");
  });

  test("customers list only their own; naming another customer is 403; admins list anyone or all", async () => {
    const gina = await h.customer("gina");
    const own = (await h.app.inject({ method: "GET", url: "/orders?customerId=gina", headers: gina })).json();
    assert.equal(own.orders.length, 7);
    const other = await h.app.inject({ method: "GET", url: "/orders?customerId=dave", headers: gina });
    assert.equal(other.statusCode, 403);
    const admin = await h.admin();
    const dave = (
      await h.app.inject({ method: "GET", url: "/orders?customerId=dave", headers: admin })
    ).json();
    assert.ok(dave.orders.length >= 2);
    assert.ok(dave.orders.every((o: { customerId: string }) => o.customerId === "dave"));
    const everyone = (await h.app.inject({ method: "GET", url: "/orders?limit=100", headers: admin })).json();
    const customers = new Set(everyone.orders.map((o: { customerId: string }) => o.customerId));
    assert.ok(customers.has("gina") && customers.has("dave"));
  });
});
