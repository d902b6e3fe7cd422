/** What the smoke checks share: request shapes, order reads and the problem-document assertions. */

import type { HttpResponse } from "./client.js";
import type { ProductSpec, ReadOrder, SmokeContext } from "./context.js";
import { expectJsonObject, expectProblem, expectStatus, fail, isRecord } from "./expect.js";
import { pollUntil } from "./poll.js";
import type { Check } from "./runner.js";

export type SmokeCheck = Check<SmokeContext>;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const PRODUCT_FIELDS = ["sku", "name", "unitPrice", "currency", "stock"] as const;

export function orderPath(orderId: string): string {
  return `/orders/${encodeURIComponent(orderId)}`;
}

export function productPath(sku: string): string {
  return `/products/${encodeURIComponent(sku)}`;
}

export function orderBody(
  context: SmokeContext,
  sku: string,
  quantity: number,
  customerId = context.customerId,
) {
  return { customerId, currency: context.currency, items: [{ sku, quantity }] };
}

/** POST /orders → 202 {orderId, status: PENDING} with a Location that points at the order. */
export async function placeOrder(
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

export async function getOrder(context: SmokeContext, orderId: string): Promise<HttpResponse> {
  return context.orderer.get(orderPath(orderId));
}

/** GET /orders/:id → 200 with a JSON object carrying a string status; nothing more is judged here. */
export async function readOrder(context: SmokeContext, orderId: string): Promise<ReadOrder> {
  return readOrderFrom(await getOrder(context, orderId), orderId);
}

export function readOrderFrom(response: HttpResponse, orderId: string): ReadOrder {
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
export async function waitForStatusChange(
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

export async function readProduct(context: SmokeContext, sku: string): Promise<Record<string, unknown>> {
  const response = await context.admin.get(productPath(sku));
  expectStatus(response, 200);
  return expectJsonObject(response);
}

export async function expectStock(
  context: SmokeContext,
  product: ProductSpec,
  expected: number,
): Promise<string> {
  const read = await readProduct(context, product.sku);
  if (read.stock !== expected) {
    fail(`${product.sku} stock must be ${expected}, got ${JSON.stringify(read.stock)}`);
  }
  return `${product.sku}=${expected}`;
}

export function expectProblemStatus(response: HttpResponse, status: number): void {
  expectStatus(response, status);
  expectProblem(response);
}

/** The names a validation problem gives, wherever the API puts them (errors[].field/pointer, detail). */
export function namedFields(problem: Record<string, unknown>): string {
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

export const QUANTITY_FIELD_SPELLINGS = ["items[0].quantity", "/items/0/quantity", "items.0.quantity"];

// --- 1. liveness and readiness -----------------------------------------------------------------
