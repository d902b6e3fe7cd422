/** Catalog and order placement: products, decisions, stock, idempotency and request validation. */

import {
  expectProblemStatus,
  expectStock,
  namedFields,
  orderBody,
  orderPath,
  PRODUCT_FIELDS,
  placeOrder,
  productPath,
  QUANTITY_FIELD_SPELLINGS,
  readOrder,
  readProduct,
  type SmokeCheck,
  waitForStatusChange,
} from "./check-helpers.js";
import { expectJsonObject, expectProblem, expectStatus, fail, need, problemSummary } from "./expect.js";
import { parseOrderView, verifyHistory, verifyOutcome, verifyTotals } from "./order-view.js";

export const createProducts: SmokeCheck = {
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

export const placeOrders: SmokeCheck = {
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

export const readableWhilePending: SmokeCheck = {
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

export const reachFinalStatus: SmokeCheck = {
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

export const confirmed: SmokeCheck = {
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

export const outOfStock: SmokeCheck = {
  name: "order (2 x stock-1 sku) -> REJECTED OUT_OF_STOCK",
  async run(context) {
    const view = parseOrderView(need(context.final.outOfStock, "order did not reach a final status").body);
    verifyOutcome(view, "REJECTED", "OUT_OF_STOCK");
    verifyTotals(view);
    verifyHistory(view, ["REJECTED"]);
    return undefined;
  },
};

export const unknownSku: SmokeCheck = {
  name: "order (unknown sku) -> REJECTED UNKNOWN_SKU",
  async run(context) {
    const view = parseOrderView(need(context.final.unknownSku, "order did not reach a final status").body);
    verifyOutcome(view, "REJECTED", "UNKNOWN_SKU");
    verifyTotals(view);
    verifyHistory(view, ["REJECTED"]);
    return undefined;
  },
};

export const stockReserved: SmokeCheck = {
  name: "stock after confirm: 5 - 2 = 3, stock-1 sku still 1",
  async run(context) {
    need(context.final.confirmable?.status === "CONFIRMED" ? true : undefined, "order was not CONFIRMED");
    const { plenty, scarce } = context.products;
    return `${await expectStock(context, plenty, 3)}, ${await expectStock(context, scarce, 1)}`;
  },
};

export const idempotentReplay: SmokeCheck = {
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

export const idempotentConflict: SmokeCheck = {
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

export const quantityZero: SmokeCheck = {
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

export const malformedJson: SmokeCheck = {
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

export const wrongContentType: SmokeCheck = {
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
