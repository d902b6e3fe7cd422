/**
 * Operational endpoints and the catalog routes: /health, /ready (real dependency failures: a database
 * on a closed port, a stream that does not exist, a failing cache), /metrics, the OpenAPI document,
 * PUT/GET /products/:sku, and graceful close.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "../src/contract.js";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { SqlOrderStore } from "../src/store/order-store.js";
import { createApiHarness, problemOf } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const h = perSuite(() => createApiHarness("api_ops"));

describe("health and readiness", () => {
  test("/health is 200 {status: ok}", async () => {
    const res = await h.app.inject({ method: "GET", url: HEALTH_PATH });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: "ok" });
  });

  test("/ready is 200 when the database and the stream answer", async () => {
    const res = await h.app.inject({ method: "GET", url: READY_PATH });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      status: "ready",
      dependencies: { database: "ok", stream: "ok", cache: "ok" },
    });
  });

  test("/ready is 503 naming the database when it is unreachable (closed port), without internals", async () => {
    const db = createDatabase(databaseConfigFromUrl("postgres://postgres@127.0.0.1:1/nowhere", 1));
    const app = await h.buildAnother({ store: new SqlOrderStore(db) });
    try {
      const res = await app.inject({ method: "GET", url: READY_PATH });
      assert.equal(res.statusCode, 503);
      assert.ok(res.headers["retry-after"]);
      const problem = problemOf(res);
      assert.match(problem.detail, /database/);
      assert.deepEqual(problem.dependencies, { database: "down", stream: "ok", cache: "ok" });
      assert.doesNotMatch(res.body, /ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await db.destroy();
    }
  });

  test("/ready is 503 naming the stream when it does not exist", async () => {
    const intake = new KinesisOrderIntake(
      createKinesisClient({ ...h.config.kinesis, endpoint: h.kinesis.endpoint }),
      { streamName: "missing-stream", closeClient: true },
    );
    const app = await h.buildAnother({ intake });
    const res = await app.inject({ method: "GET", url: READY_PATH });
    assert.equal(res.statusCode, 503);
    assert.match(problemOf(res).detail, /stream/);
    await intake.close();
  });

  test("a failing cache (Redis down) is reported as degraded but the service stays ready", async () => {
    const app = await h.buildAnother({ cache: h.deadCache() });
    const res = await app.inject({ method: "GET", url: READY_PATH });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().dependencies, { database: "ok", stream: "ok", cache: "degraded" });
  });
});

describe("metrics", () => {
  test("/metrics exposes the HTTP histogram by route template and the accepted-orders counter", async () => {
    await h.products([{ sku: "MELON", name: "Melon", unitPrice: 300, currency: "EUR", stock: 5 }]);
    const headers = await h.customer("nia");
    const placed = await h.app.inject({
      method: "POST",
      url: "/orders",
      headers,
      payload: { customerId: "nia", currency: "EUR", items: [{ sku: "MELON", quantity: 1 }] },
    });
    await h.app.inject({ method: "GET", url: `/orders/${placed.json().orderId}`, headers });
    const res = await h.app.inject({ method: "GET", url: METRICS_PATH });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/plain/);
    assert.match(
      res.body,
      /fastcart_http_request_duration_seconds_count\{route="\/orders",method="POST",status_code="202"\} 1/,
    );
    // The route template, not the id: bounded label cardinality.
    assert.match(res.body, /route="\/orders\/:id",method="GET",status_code="200"/);
    assert.doesNotMatch(res.body, new RegExp(placed.json().orderId));
    assert.match(res.body, /orders_accepted_total 1\b/);
  });
});

describe("OpenAPI document", () => {
  test("/docs/json lists every route with its schemas and the bearer scheme", async () => {
    const res = await h.app.inject({ method: "GET", url: "/docs/json" });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      "/health",
      "/metrics",
      "/orders",
      "/orders/{id}",
      "/orders/{id}/cancel",
      "/products/{sku}",
      "/ready",
    ]);
    assert.deepEqual(Object.keys(doc.paths["/orders"]).sort(), ["get", "post"]);
    assert.deepEqual(Object.keys(doc.paths["/products/{sku}"]).sort(), ["get", "put"]);
    assert.ok(doc.paths["/orders"].post.responses["202"]);
    assert.ok(doc.paths["/orders"].post.responses["409"]);
    assert.ok(doc.components.securitySchemes.bearerAuth);
    assert.ok(doc.components.schemas.Problem);
    assert.ok(doc.components.schemas.Order);
    // Every operation has an operationId, and every route documents the answers any route can give.
    const operations = Object.values(doc.paths).flatMap((path) => Object.values(path as object));
    const ids = operations.map((operation: { operationId?: string }) => operation.operationId);
    assert.ok(ids.every(Boolean), `operations without an operationId: ${JSON.stringify(ids)}`);
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    for (const operation of operations as { responses: Record<string, unknown> }[]) {
      for (const status of ["405", "500", "503"]) assert.ok(operation.responses[status], status);
    }
    assert.deepEqual(doc.servers, [{ url: "/", description: "the API that serves this document" }]);
    assert.match(doc.info.description, /on the Kinesis stream/);
    const ready = doc.paths["/ready"].get.responses;
    assert.deepEqual(Object.keys(ready["200"].content["application/json"].schema.properties), [
      "status",
      "dependencies",
    ]);
    assert.ok(ready["503"].content["application/problem+json"]);
    // "Try it out" starts from an order the demo catalog accepts.
    const example = doc.paths["/orders"].post.requestBody.content["application/json"].schema.example;
    assert.deepEqual(example, {
      customerId: "customer-1",
      currency: "EUR",
      items: [{ sku: "TSHIRT-BLK-M", quantity: 2 }],
    });
    const html = await h.app.inject({ method: "GET", url: "/docs" });
    assert.equal(html.statusCode, 200);
    assert.match(String(html.headers["content-type"]), /text\/html/);
  });
});

describe("catalog", () => {
  test("PUT creates and replaces a product; GET reads it; unknown sku is 404", async () => {
    const admin = await h.admin();
    const created = await h.app.inject({
      method: "PUT",
      url: "/products/BERRY-1",
      headers: admin,
      payload: { name: "Berry", unitPrice: 199, currency: "EUR", stock: 12 },
    });
    assert.equal(created.statusCode, 200);
    assert.deepEqual(created.json(), {
      sku: "BERRY-1",
      name: "Berry",
      unitPrice: 199,
      currency: "EUR",
      stock: 12,
    });
    const replaced = await h.app.inject({
      method: "PUT",
      url: "/products/BERRY-1",
      headers: admin,
      payload: { name: "Berry XL", unitPrice: 299, currency: "EUR", stock: 3 },
    });
    assert.equal(replaced.json().unitPrice, 299);
    const read = await h.app.inject({
      method: "GET",
      url: "/products/BERRY-1",
      headers: await h.customer("nia"),
    });
    assert.deepEqual(read.json(), {
      sku: "BERRY-1",
      name: "Berry XL",
      unitPrice: 299,
      currency: "EUR",
      stock: 3,
    });
    const missing = await h.app.inject({ method: "GET", url: "/products/NOPE", headers: admin });
    assert.equal(missing.statusCode, 404);
    assert.match(problemOf(missing).detail, /NOPE/);
  });
});

describe("graceful close", () => {
  test("after close() the app no longer accepts requests", async () => {
    const app = await h.buildAnother();
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    assert.ok(address && typeof address === "object");
    const url = `http://127.0.0.1:${address.port}${HEALTH_PATH}`;
    assert.equal((await fetch(url)).status, 200);
    await app.close();
    await assert.rejects(fetch(url));
  });
});
