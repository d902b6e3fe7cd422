/**
 * The smoke checks, in the order they run. Each one exercises one promise of the API contract
 * (issue 4, "API") from the outside, as a client on a laptop or behind the ALB would.
 */
import type { HttpResponse } from "./client.js";
import type { ProductSpec, ReadOrder, SmokeContext } from "./context.js";
import {
  expectJsonObject,
  expectProblem,
  expectStatus,
  fail,
  isRecord,
  need,
  problemSummary,
} from "./expect.js";
import { readListPage } from "./list-page.js";
import { parseOrderView, verifyHistory, verifyOutcome, verifyTotals } from "./order-view.js";
import { pollUntil } from "./poll.js";
import type { Check } from "./runner.js";

type SmokeCheck = Check<SmokeContext>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRODUCT_FIELDS = ["sku", "name", "unitPrice", "currency", "stock"] as const;

function orderPath(orderId: string): string {
  return `/orders/${encodeURIComponent(orderId)}`;
}

function productPath(sku: string): string {
  return `/products/${encodeURIComponent(sku)}`;
}

function orderBody(context: SmokeContext, sku: string, quantity: number, customerId = context.customerId) {
  return { customerId, currency: context.currency, items: [{ sku, quantity }] };
}

/** POST /orders → 202 {orderId, status: PENDING} with a Location that points at the order. */
async function placeOrder(
  context: SmokeContext,
  body: unknown,
  options: { idempotencyKey?: string; client?: SmokeContext["orderer"] } = {},
): Promise<string> {
  const client = options.client ?? context.orderer;
  const headers: Record<string, string> = {};
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  const response = await client.post("/orders", { json: body, headers });
  expectStatus(response, 202);
  const accepted = expectJsonObject(response);
  const orderId = accepted.orderId;
  if (typeof orderId !== "string" || !UUID.test(orderId)) {
    fail(`202 body orderId must be a UUID, got ${JSON.stringify(orderId)}`);
  }
  if (accepted.status !== "PENDING")
    fail(`202 body status must be PENDING, got ${JSON.stringify(accepted.status)}`);
  const location = response.headers.location;
  if (!location) fail(`202 for order ${orderId} has no Location header`);
  const target = new URL(location, response.url).pathname;
  if (!target.endsWith(orderPath(orderId))) {
    fail(`Location ${location} does not point at /orders/${orderId}`);
  }
  return orderId;
}

async function getOrder(context: SmokeContext, orderId: string): Promise<HttpResponse> {
  return context.orderer.get(orderPath(orderId));
}

/** GET /orders/:id → 200 with a JSON object carrying a string status; nothing more is judged here. */
async function readOrder(context: SmokeContext, orderId: string): Promise<ReadOrder> {
  return readOrderFrom(await getOrder(context, orderId), orderId);
}

function readOrderFrom(response: HttpResponse, orderId: string): ReadOrder {
  expectStatus(response, 200);
  const body = expectJsonObject(response);
  if (typeof body.status !== "string")
    fail(`GET ${orderPath(orderId)}: status must be a string, got ${JSON.stringify(body.status)}`);
  return { orderId, status: body.status, body };
}

/**
 * Polls until the order leaves `from` (PENDING, or CONFIRMED while a cancel settles). Only the
 * status is read: the per-order checks judge the rest, so one wrong field fails one check, not all.
 */
async function waitForStatusChange(
  context: SmokeContext,
  orderId: string,
  from: string,
): Promise<ReadOrder | undefined> {
  let last: ReadOrder | undefined;
  const changed = await pollUntil(
    async () => {
      // 404 here breaks the contract ("accepted → PENDING, not 404"), but the dedicated check
      // reports that; keep waiting so the final-status checks still say something useful.
      const response = await getOrder(context, orderId);
      if (response.status === 404) return undefined;
      last = readOrderFrom(response, orderId);
      return last.status === from ? undefined : last;
    },
    { deadline: context.deadline() },
  );
  return changed ?? last;
}

async function readProduct(context: SmokeContext, sku: string): Promise<Record<string, unknown>> {
  const response = await context.admin.get(productPath(sku));
  expectStatus(response, 200);
  return expectJsonObject(response);
}

async function expectStock(context: SmokeContext, product: ProductSpec, expected: number): Promise<string> {
  const read = await readProduct(context, product.sku);
  if (read.stock !== expected) {
    fail(`${product.sku} stock must be ${expected}, got ${JSON.stringify(read.stock)}`);
  }
  return `${product.sku}=${expected}`;
}

function expectProblemStatus(response: HttpResponse, status: number): void {
  expectStatus(response, status);
  expectProblem(response);
}

/** The names a validation problem gives, wherever the API puts them (errors[].field/pointer, detail). */
function namedFields(problem: Record<string, unknown>): string {
  const names: string[] = [];
  if (typeof problem.detail === "string") names.push(problem.detail);
  if (Array.isArray(problem.errors)) {
    for (const entry of problem.errors) {
      if (!isRecord(entry)) continue;
      for (const key of ["field", "pointer", "path", "name", "instancePath"]) {
        if (typeof entry[key] === "string") names.push(entry[key] as string);
      }
    }
  }
  return names.join(" | ");
}

const QUANTITY_FIELD_SPELLINGS = ["items[0].quantity", "/items/0/quantity", "items.0.quantity"];

// --- 1. liveness and readiness -----------------------------------------------------------------

const health: SmokeCheck = {
  name: "GET /health -> 200",
  async run(context) {
    const response = await context.anonymous.get("/health");
    expectStatus(response, 200);
    return undefined;
  },
};

const ready: SmokeCheck = {
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

const noToken: SmokeCheck = {
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

const garbageToken: SmokeCheck = {
  name: "POST /orders with garbage token -> 401",
  async run(context) {
    const response = await context.garbage.post("/orders", {
      json: orderBody(context, context.products.unknownSku, 1),
    });
    expectProblemStatus(response, 401);
    return undefined;
  },
};

const customerCannotWriteCatalog: SmokeCheck = {
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

const createProducts: SmokeCheck = {
  name: "PUT /products/:sku x2, GET back matches",
  async run(context) {
    const { plenty, scarce } = context.products;
    for (const product of [plenty, scarce]) {
      const { sku, ...body } = product;
      const response = await context.admin.put(productPath(sku), { json: body });
      expectStatus(response, 200, 201);
      const read = await readProduct(context, sku);
      for (const field of PRODUCT_FIELDS) {
        if (read[field] !== product[field]) {
          fail(
            `GET ${productPath(sku)}: ${field} must be ${JSON.stringify(product[field])}, got ${JSON.stringify(read[field])}`,
          );
        }
      }
    }
    context.created.products = true;
    return `${plenty.sku} (stock 5), ${scarce.sku} (stock 1)`;
  },
};

// --- 4. place orders ---------------------------------------------------------------------------

const placeOrders: SmokeCheck = {
  name: "POST /orders x3 -> 202 + Location + PENDING",
  async run(context) {
    need(context.created.products, "products were not created");
    const { plenty, scarce, unknownSku } = context.products;
    context.orders.confirmable = await placeOrder(context, orderBody(context, plenty.sku, 2));
    context.placed.add(context.orders.confirmable);
    context.orders.outOfStock = await placeOrder(context, orderBody(context, scarce.sku, 2));
    context.placed.add(context.orders.outOfStock);
    context.orders.unknownSku = await placeOrder(context, orderBody(context, unknownSku, 1));
    context.placed.add(context.orders.unknownSku);
    return undefined;
  },
};

const readableWhilePending: SmokeCheck = {
  name: "GET /orders/:id right after 202 -> 200 (not 404)",
  async run(context) {
    const ids = [context.orders.confirmable, context.orders.outOfStock, context.orders.unknownSku];
    const statuses: string[] = [];
    for (const id of ids) {
      const read = await readOrder(context, need(id, "orders were not placed"));
      if (read.body.orderId !== id)
        fail(`GET ${orderPath(id!)} answered orderId ${JSON.stringify(read.body.orderId)}`);
      if (read.body.customerId !== context.customerId) {
        fail(
          `order ${id} has customerId ${JSON.stringify(read.body.customerId)}, expected ${context.customerId}`,
        );
      }
      statuses.push(read.status);
    }
    return statuses.join(", ");
  },
};

// --- 5. final statuses -------------------------------------------------------------------------

const reachFinalStatus: SmokeCheck = {
  name: "orders reach a final status",
  async run(context) {
    const wanted = [
      ["confirmable", need(context.orders.confirmable, "orders were not placed")],
      ["outOfStock", need(context.orders.outOfStock, "orders were not placed")],
      ["unknownSku", need(context.orders.unknownSku, "orders were not placed")],
    ] as const;
    const views = await Promise.all(wanted.map(([, id]) => waitForStatusChange(context, id, "PENDING")));
    const stuck: string[] = [];
    wanted.forEach(([key, id], i) => {
      const view = views[i];
      if (view && view.status !== "PENDING") context.final[key] = view;
      else stuck.push(`${id} (${view?.status ?? "never readable"})`);
    });
    if (stuck.length > 0) {
      fail(
        `still not decided after ${context.options.timeoutSeconds} s: ${stuck.join(", ")}; ` +
          "are the workers running and is the stream/queue flowing? (raise --timeout for a cold system)",
      );
    }
    return views.map((view) => view?.status).join(", ");
  },
};

const confirmed: SmokeCheck = {
  name: "order (2 x stock-5 sku) -> CONFIRMED, totals exact",
  async run(context) {
    const view = parseOrderView(need(context.final.confirmable, "order did not reach a final status").body);
    const { plenty } = context.products;
    verifyOutcome(view, "CONFIRMED");
    verifyTotals(view);
    const line = view.items[0];
    if (view.items.length !== 1 || !line || line.sku !== plenty.sku || line.quantity !== 2) {
      fail(`items must be [{sku: ${plenty.sku}, quantity: 2}], got ${JSON.stringify(view.items)}`);
    }
    if (line.unitPrice !== plenty.unitPrice) {
      fail(`unitPrice must be the catalog price ${plenty.unitPrice}, got ${line.unitPrice}`);
    }
    if (view.currency !== context.currency)
      fail(`currency must be ${context.currency}, got ${view.currency}`);
    verifyHistory(view, ["CONFIRMED"]);
    return `total ${view.total}`;
  },
};

const outOfStock: SmokeCheck = {
  name: "order (2 x stock-1 sku) -> REJECTED OUT_OF_STOCK",
  async run(context) {
    const view = parseOrderView(need(context.final.outOfStock, "order did not reach a final status").body);
    verifyOutcome(view, "REJECTED", "OUT_OF_STOCK");
    verifyTotals(view);
    verifyHistory(view, ["REJECTED"]);
    return undefined;
  },
};

const unknownSku: SmokeCheck = {
  name: "order (unknown sku) -> REJECTED UNKNOWN_SKU",
  async run(context) {
    const view = parseOrderView(need(context.final.unknownSku, "order did not reach a final status").body);
    verifyOutcome(view, "REJECTED", "UNKNOWN_SKU");
    verifyTotals(view);
    verifyHistory(view, ["REJECTED"]);
    return undefined;
  },
};

const stockReserved: SmokeCheck = {
  name: "stock after confirm: 5 - 2 = 3, stock-1 sku still 1",
  async run(context) {
    need(context.final.confirmable?.status === "CONFIRMED" ? true : undefined, "order was not CONFIRMED");
    const { plenty, scarce } = context.products;
    return `${await expectStock(context, plenty, 3)}, ${await expectStock(context, scarce, 1)}`;
  },
};

const customerCannotReadForeignOrder: SmokeCheck = {
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

const idempotentReplay: SmokeCheck = {
  name: "Idempotency-Key replay, same body -> same orderId",
  async run(context) {
    // The unknown SKU keeps these orders away from the stock the arithmetic checks count.
    const key = `smoke-${context.runId}-idem`;
    const body = orderBody(context, context.products.unknownSku, 1);
    const first = await placeOrder(context, body, { idempotencyKey: key });
    context.orders.idempotent = first;
    context.placed.add(first);
    const replay = await context.orderer.post("/orders", { json: body, headers: { "idempotency-key": key } });
    expectStatus(replay, 200, 201, 202);
    const again = expectJsonObject(replay).orderId;
    if (again !== first) fail(`replay answered orderId ${JSON.stringify(again)}, first answer was ${first}`);
    return first;
  },
};

const idempotentConflict: SmokeCheck = {
  name: "Idempotency-Key reuse, other body -> 409",
  async run(context) {
    need(context.orders.idempotent, "the first idempotent order was not placed");
    const key = `smoke-${context.runId}-idem`;
    const response = await context.orderer.post("/orders", {
      json: orderBody(context, context.products.unknownSku, 3),
      headers: { "idempotency-key": key },
    });
    expectProblemStatus(response, 409);
    return undefined;
  },
};

// --- 7. validation -----------------------------------------------------------------------------

const quantityZero: SmokeCheck = {
  name: "quantity 0 -> 400 naming items[0].quantity",
  async run(context) {
    const response = await context.orderer.post("/orders", {
      json: orderBody(context, context.products.plenty.sku, 0),
    });
    expectStatus(response, 400);
    const names = namedFields(expectProblem(response));
    if (!QUANTITY_FIELD_SPELLINGS.some((spelling) => names.includes(spelling))) {
      fail(
        `400 does not name items[0].quantity (in errors[].field or detail): ${problemSummary(response)} ` +
          `[request ${response.requestId}]`,
      );
    }
    return undefined;
  },
};

const malformedJson: SmokeCheck = {
  name: "malformed JSON -> 400",
  async run(context) {
    const response = await context.orderer.post("/orders", {
      raw: `{"customerId": "${context.customerId}", "items": [`,
      contentType: "application/json",
    });
    expectProblemStatus(response, 400);
    return undefined;
  },
};

const wrongContentType: SmokeCheck = {
  name: "form-encoded body -> 415",
  async run(context) {
    // What `curl -d` sends when the caller forgets -H 'Content-Type: application/json'.
    const response = await context.orderer.post("/orders", {
      raw: `customerId=${context.customerId}&currency=${context.currency}`,
      contentType: "application/x-www-form-urlencoded",
    });
    expectProblemStatus(response, 415);
    return undefined;
  },
};

// --- 8. cancel and stock arithmetic ------------------------------------------------------------

const cancelConfirmed: SmokeCheck = {
  name: "POST /orders/:id/cancel (CONFIRMED) -> CANCELLED",
  async run(context) {
    const view = need(context.final.confirmable, "order did not reach a final status");
    need(view.status === "CONFIRMED" ? true : undefined, "order was not CONFIRMED");
    const response = await context.orderer.post(`${orderPath(view.orderId)}/cancel`);
    expectStatus(response, 200, 202);
    // Cancel may answer with the order or only an acknowledgement; the order itself must say CANCELLED.
    const after = await waitForStatusChange(context, view.orderId, "CONFIRMED");
    if (after?.status !== "CANCELLED") {
      fail(
        `after cancel, GET ${orderPath(view.orderId)} says ${after?.status ?? "nothing"}, expected CANCELLED`,
      );
    }
    // Stock was released by now whatever the body says, so later checks may build on the cancel.
    context.cancelled = true;
    const cancelled = parseOrderView(after.body);
    verifyHistory(cancelled, ["CONFIRMED", "CANCELLED"]);
    verifyTotals(cancelled);
    return undefined;
  },
};

const cancelAgain: SmokeCheck = {
  name: "cancel again -> 409",
  async run(context) {
    need(context.cancelled, "the order was not cancelled");
    const response = await context.orderer.post(`${orderPath(context.orders.confirmable!)}/cancel`);
    expectProblemStatus(response, 409);
    return undefined;
  },
};

const cancelRejected: SmokeCheck = {
  name: "cancel a REJECTED order -> 409",
  async run(context) {
    const view = need(context.final.outOfStock, "order did not reach a final status");
    const response = await context.orderer.post(`${orderPath(view.orderId)}/cancel`);
    expectProblemStatus(response, 409);
    return undefined;
  },
};

const stockReleased: SmokeCheck = {
  name: "stock after cancel: 5 - 2 + 2 = 5, stock-1 sku still 1",
  async run(context) {
    need(context.cancelled, "the order was not cancelled");
    const { plenty, scarce } = context.products;
    return `${await expectStock(context, plenty, 5)}, ${await expectStock(context, scarce, 1)}`;
  },
};

// --- 9. list with cursor pagination ------------------------------------------------------------

const listPaginates: SmokeCheck = {
  name: "GET /orders?customerId&limit=2 pages: each order once",
  async run(context) {
    if (context.placed.size === 0) need(undefined, "no orders were placed");
    // Listings read the database. In stream mode an order is written there when a worker decides it
    // (GET /orders/:id answers PENDING from the cache before that), so wait for every order first.
    const undecided = await Promise.all(
      [...context.placed].map((id) => waitForStatusChange(context, id, "PENDING")),
    );
    const stuck = [...context.placed].filter((_, i) => undecided[i]?.status === "PENDING" || !undecided[i]);
    if (stuck.length > 0)
      fail(`still PENDING after ${context.options.timeoutSeconds} s: ${stuck.join(", ")}`);
    const limit = 2;
    const seen = new Map<string, number>();
    const cursors = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    // A server whose cursor never ends must not hang the suite: allow a few pages more than needed.
    const maxPages = Math.ceil(context.placed.size / limit) + 3;
    do {
      const query = new URLSearchParams({ customerId: context.customerId, limit: String(limit) });
      if (cursor) query.set("cursor", cursor);
      const response = await context.orderer.get(`/orders?${query}`);
      expectStatus(response, 200);
      const page = readListPage(expectJsonObject(response));
      pages++;
      if (page.orders.length > limit)
        fail(`page ${pages} has ${page.orders.length} orders, limit was ${limit}`);
      for (const order of page.orders) {
        if (order.customerId !== undefined && order.customerId !== context.customerId) {
          fail(`page ${pages} holds order ${order.orderId} of customer ${order.customerId}`);
        }
        seen.set(order.orderId, (seen.get(order.orderId) ?? 0) + 1);
      }
      cursor = page.nextCursor;
      if (cursor !== undefined) {
        if (cursors.has(cursor)) fail(`cursor ${cursor} came back twice: pagination loops`);
        cursors.add(cursor);
      }
      if (pages > maxPages)
        fail(`more than ${maxPages} pages for ${context.placed.size} orders: the cursor never ends`);
    } while (cursor !== undefined);

    const twice = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
    const missing = [...context.placed].filter((id) => !seen.has(id));
    const extra = [...seen.keys()].filter((id) => !context.placed.has(id));
    if (twice.length > 0) fail(`listed more than once: ${twice.join(", ")}`);
    if (missing.length > 0) fail(`missing from the list: ${missing.join(", ")}`);
    if (extra.length > 0) fail(`not this customer's orders of this run: ${extra.join(", ")}`);
    return `${seen.size} orders in ${pages} pages`;
  },
};

// --- 10. metrics -------------------------------------------------------------------------------

const metrics: SmokeCheck = {
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

/** Checks that need a customer identity (--customer-token or --secret). */
export const CUSTOMER_CHECKS: readonly SmokeCheck[] = [
  customerCannotWriteCatalog,
  customerCannotReadForeignOrder,
];

export const ALL_CHECKS: readonly SmokeCheck[] = [
  health,
  ready,
  noToken,
  garbageToken,
  customerCannotWriteCatalog,
  createProducts,
  placeOrders,
  readableWhilePending,
  reachFinalStatus,
  confirmed,
  outOfStock,
  unknownSku,
  stockReserved,
  customerCannotReadForeignOrder,
  idempotentReplay,
  idempotentConflict,
  quantityZero,
  malformedJson,
  wrongContentType,
  cancelConfirmed,
  cancelAgain,
  cancelRejected,
  stockReleased,
  listPaginates,
  metrics,
];

/** The checks this run can do: the customer refusals only when a customer identity exists. */
export function checksFor(context: SmokeContext): { checks: SmokeCheck[]; notChecked: string[] } {
  if (context.customer) return { checks: [...ALL_CHECKS], notChecked: [] };
  return {
    checks: ALL_CHECKS.filter((check) => !CUSTOMER_CHECKS.includes(check)),
    notChecked: CUSTOMER_CHECKS.map((check) => check.name),
  };
}
