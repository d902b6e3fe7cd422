/** After the decision: cancellation (stock released once) and keyset-paginated listings. */

import {
  expectProblemStatus,
  expectStock,
  orderPath,
  type SmokeCheck,
  waitForStatusChange,
} from "./check-helpers.js";
import { expectJsonObject, expectStatus, fail, need } from "./expect.js";
import { readListPage } from "./list-page.js";
import { parseOrderView, verifyHistory, verifyTotals } from "./order-view.js";

export const cancelConfirmed: SmokeCheck = {
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

export const cancelAgain: SmokeCheck = {
  name: "cancel again -> 409",
  async run(context) {
    need(context.cancelled, "the order was not cancelled");
    const response = await context.orderer.post(`${orderPath(context.orders.confirmable!)}/cancel`);
    expectProblemStatus(response, 409);
    return undefined;
  },
};

export const cancelRejected: SmokeCheck = {
  name: "cancel a REJECTED order -> 409",
  async run(context) {
    const view = need(context.final.outOfStock, "order did not reach a final status");
    const response = await context.orderer.post(`${orderPath(view.orderId)}/cancel`);
    expectProblemStatus(response, 409);
    return undefined;
  },
};

export const stockReleased: SmokeCheck = {
  name: "stock after cancel: 5 - 2 + 2 = 5, stock-1 sku still 1",
  async run(context) {
    need(context.cancelled, "the order was not cancelled");
    const { plenty, scarce } = context.products;
    return `${await expectStock(context, plenty, 5)}, ${await expectStock(context, scarce, 1)}`;
  },
};

// --- 9. list with cursor pagination ------------------------------------------------------------

export const listPaginates: SmokeCheck = {
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
