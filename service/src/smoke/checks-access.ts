/** Probes, authentication and authorisation: what a caller without the right token must not get. */

import {
  expectProblemStatus,
  orderBody,
  orderPath,
  placeOrder,
  productPath,
  type SmokeCheck,
} from "./check-helpers.js";
import { expectStatus, fail, need } from "./expect.js";

export const health: SmokeCheck = {
  name: "GET /health -> 200",
  async run(context) {
    const response = await context.anonymous.get("/health");
    expectStatus(response, 200);
    return undefined;
  },
};

export const ready: SmokeCheck = {
  name: "GET /ready -> 200",
  async run(context) {
    const response = await context.anonymous.get("/ready");
    // The body says which dependency is not ready (database, stream): show it, that is the point.
    if (response.status !== 200) {
      fail(
        `expected 200, got ${response.status}: ${response.text || "(empty)"} [request ${response.requestId}]`,
      );
    }
    return undefined;
  },
};

// --- 2. auth refusals --------------------------------------------------------------------------

export const noToken: SmokeCheck = {
  name: "POST /orders without token -> 401 + WWW-Authenticate",
  async run(context) {
    const response = await context.anonymous.post("/orders", {
      json: orderBody(context, context.products.unknownSku, 1),
    });
    expectProblemStatus(response, 401);
    const challenge = response.headers["www-authenticate"];
    if (!challenge) fail("401 without a WWW-Authenticate header (RFC 9110 §11.6.1)");
    if (!/^bearer\b/i.test(challenge))
      fail(`WWW-Authenticate must name the Bearer scheme, got "${challenge}"`);
    return undefined;
  },
};

export const garbageToken: SmokeCheck = {
  name: "POST /orders with garbage token -> 401",
  async run(context) {
    const response = await context.garbage.post("/orders", {
      json: orderBody(context, context.products.unknownSku, 1),
    });
    expectProblemStatus(response, 401);
    return undefined;
  },
};

export const customerCannotWriteCatalog: SmokeCheck = {
  name: "PUT /products as customer -> 403",
  async run(context) {
    const customer = need(context.customer, "no customer token");
    const sku = `SMOKE-${context.runId}-FORBIDDEN`;
    const response = await customer.put(productPath(sku), {
      json: { name: "must not exist", unitPrice: 1, currency: context.currency, stock: 1 },
    });
    expectProblemStatus(response, 403);
    return undefined;
  },
};

// --- 3. catalog --------------------------------------------------------------------------------

export const customerCannotReadForeignOrder: SmokeCheck = {
  name: "GET another customer's order as customer -> 404",
  async run(context) {
    const customer = need(context.customer, "no customer token");
    // An order of someone else, placed by the admin (who may order for any customer).
    const foreign = await placeOrder(
      context,
      orderBody(context, context.products.unknownSku, 1, context.otherCustomerId),
      { client: context.admin },
    );
    context.orders.foreign = foreign;
    const response = await customer.get(orderPath(foreign));
    expectProblemStatus(response, 404);
    return undefined;
  },
};

// --- 6. idempotency ----------------------------------------------------------------------------

export const metrics: SmokeCheck = {
  name: "GET /metrics has orders_accepted_total",
  async run(context) {
    const response = await context.anonymous.get("/metrics");
    expectStatus(response, 200);
    const type = response.headers["content-type"] ?? "";
    if (!type.startsWith("text/plain") && !type.startsWith("application/openmetrics-text")) {
      fail(`Content-Type must be Prometheus text (text/plain; version=0.0.4), got ${type || "none"}`);
    }
    if (!/^[a-z_:]*orders_accepted_total\b/m.test(response.text)) {
      fail(`no orders_accepted_total sample in ${response.text.length} bytes of exposition`);
    }
    return undefined;
  },
};
