/**
 * Reading and verifying an order as GET /orders/:id returns it. Money is integer minor units: a
 * float, a string or a total that is not Σ unitPrice × quantity is a bug the smoke suite must catch.
 */
import { fail, isRecord } from "./expect.js";

/** How far apart the clocks of two tasks may be before a history that runs backwards is an error. */
const CLOCK_SKEW_MS = 1000;

export interface OrderLineView {
  sku: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface OrderView {
  orderId: string;
  customerId: string;
  status: string;
  currency: string;
  items: OrderLineView[];
  total: number;
  rejectionReason?: string;
  history: { status: string; at: string }[];
}

function integer(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    fail(`${field} must be an integer number of minor units, got ${JSON.stringify(value)}`);
  }
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string") fail(`${field} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks the shape the contract promises and returns it typed. */
export function parseOrderView(body: unknown): OrderView {
  if (!isRecord(body)) fail(`order body is not a JSON object: ${JSON.stringify(body)}`);
  if (!Array.isArray(body.items)) fail(`order.items must be an array, got ${JSON.stringify(body.items)}`);
  if (!Array.isArray(body.history))
    fail(`order.history must be an array, got ${JSON.stringify(body.history)}`);
  const view: OrderView = {
    orderId: string(body.orderId, "orderId"),
    customerId: string(body.customerId, "customerId"),
    status: string(body.status, "status"),
    currency: string(body.currency, "currency"),
    items: body.items.map((line: unknown, i: number) => {
      if (!isRecord(line)) fail(`items[${i}] must be an object`);
      return {
        sku: string(line.sku, `items[${i}].sku`),
        quantity: integer(line.quantity, `items[${i}].quantity`),
        unitPrice: integer(line.unitPrice, `items[${i}].unitPrice`),
        lineTotal: integer(line.lineTotal, `items[${i}].lineTotal`),
      };
    }),
    total: integer(body.total, "total"),
    history: body.history.map((entry: unknown, i: number) => {
      if (!isRecord(entry)) fail(`history[${i}] must be an object`);
      const at = string(entry.at, `history[${i}].at`);
      if (Number.isNaN(Date.parse(at))) fail(`history[${i}].at is not a timestamp: ${JSON.stringify(at)}`);
      return { status: string(entry.status, `history[${i}].status`), at };
    }),
  };
  if (body.rejectionReason !== undefined && body.rejectionReason !== null) {
    view.rejectionReason = string(body.rejectionReason, "rejectionReason");
  }
  return view;
}

/** lineTotal = unitPrice × quantity on every line, total = Σ lineTotal. */
export function verifyTotals(view: OrderView): void {
  let sum = 0;
  view.items.forEach((line, i) => {
    if (line.lineTotal !== line.unitPrice * line.quantity) {
      fail(
        `items[${i}].lineTotal ${line.lineTotal} != unitPrice ${line.unitPrice} × quantity ${line.quantity}`,
      );
    }
    sum += line.lineTotal;
  });
  if (view.total !== sum) fail(`total ${view.total} != Σ unitPrice × quantity = ${sum}`);
}

/** The history starts at PENDING and shows the expected statuses in order, timestamps not going back. */
export function verifyHistory(view: OrderView, expected: readonly string[]): void {
  const statuses = view.history.map((entry) => entry.status);
  const shown = statuses.join(" → ") || "(empty)";
  if (statuses[0] !== "PENDING") fail(`history must start with PENDING, got ${shown}`);
  let from = 0;
  for (const status of expected) {
    const at = statuses.indexOf(status, from);
    if (at === -1) fail(`history must contain ${["PENDING", ...expected].join(" → ")}, got ${shown}`);
    from = at + 1;
  }
  for (let i = 1; i < view.history.length; i++) {
    // PENDING is stamped by an API task and the decision by a worker task: allow their clocks a
    // little skew, so only a real reordering fails, not a millisecond of NTP drift.
    if (Date.parse(view.history[i]!.at) < Date.parse(view.history[i - 1]!.at) - CLOCK_SKEW_MS) {
      fail(`history times go backwards at ${i}: ${view.history.map((entry) => entry.at).join(", ")}`);
    }
  }
}

/** Status and (for REJECTED) reason, with the whole story in the message when they differ. */
export function verifyOutcome(view: OrderView, status: string, reason?: string): void {
  const got = view.rejectionReason ? `${view.status} ${view.rejectionReason}` : view.status;
  const want = reason ? `${status} ${reason}` : status;
  if (view.status !== status || (reason !== undefined && view.rejectionReason !== reason)) {
    fail(`expected ${want}, got ${got}`);
  }
  if (reason === undefined && view.rejectionReason !== undefined && status !== "REJECTED") {
    fail(`a ${status} order must carry no rejectionReason, got ${view.rejectionReason}`);
  }
}
