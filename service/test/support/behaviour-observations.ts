/**
 * What the behavioural suite builds and reads: orders and products, and engine-neutral Kysely reads
 * of what a customer and an operator can observe (stock, decisions, statuses, history).
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { AcceptedOrder } from "../../src/orders/types.js";
import type { Database } from "../../src/store/schema.js";

/** The statuses a worker's decision leaves an order in. */
export const FINAL = ["CONFIRMED", "REJECTED"] as const;

export function uniqueSku(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`.toUpperCase();
}

export function newOrder(items: { sku: string; quantity: number }[]): AcceptedOrder {
  return {
    orderId: randomUUID(),
    customerId: "cust-behaviour",
    currency: "EUR",
    items,
    acceptedAt: new Date().toISOString(),
  };
}

/** Deterministic, so a failure reproduces with the same orders. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export function sumQuantity(
  orders: AcceptedOrder[],
  sku: string,
  include: (o: AcceptedOrder) => boolean,
): number {
  let sum = 0;
  for (const o of orders) {
    if (!include(o)) continue;
    for (const item of o.items) if (item.sku === sku) sum += item.quantity;
  }
  return sum;
}

export async function addProduct(
  db: Kysely<Database>,
  sku: string,
  stock: number,
  unitPrice = 100,
  currency = "EUR",
) {
  await db
    .insertInto("products")
    .values({ sku, name: `Product ${sku}`, unit_price: unitPrice, currency, stock, updated_at: new Date() })
    .execute();
}

export async function stockOf(db: Kysely<Database>, sku: string): Promise<number> {
  const row = await db
    .selectFrom("products")
    .select("stock")
    .where("sku", "=", sku)
    .executeTakeFirstOrThrow();
  return Number(row.stock);
}

export async function decidedCount(db: Kysely<Database>, orders: AcceptedOrder[]): Promise<number> {
  const row = await db
    .selectFrom("orders")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where(
      "order_id",
      "in",
      orders.map((o) => o.orderId),
    )
    .where("status", "in", [...FINAL])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function statusesById(db: Kysely<Database>, orders: AcceptedOrder[]) {
  const rows = await db
    .selectFrom("orders")
    .select(["order_id", "status", "rejection_reason", "total"])
    .where(
      "order_id",
      "in",
      orders.map((o) => o.orderId),
    )
    .execute();
  return new Map(
    rows.map((r) => [r.order_id, { status: r.status, reason: r.rejection_reason, total: Number(r.total) }]),
  );
}

export async function countBy(db: Kysely<Database>, table: "orders" | "order_items", ids: string[]) {
  const rows = await db
    .selectFrom(table)
    .select(["order_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("order_id", "in", ids)
    .groupBy("order_id")
    .execute();
  return new Map(rows.map((r) => [r.order_id, Number(r.n)]));
}

export async function histories_(db: Kysely<Database>, ids: string[]) {
  const rows = await db
    .selectFrom("order_status_history")
    .select(["order_id", "seq", "status", "at"])
    .where("order_id", "in", ids)
    .orderBy("order_id")
    .orderBy("seq")
    .execute();
  const byId = new Map<string, { status: string; at: Date }[]>();
  for (const r of rows) {
    const list = byId.get(r.order_id) ?? [];
    list.push({ status: r.status, at: new Date(r.at) });
    byId.set(r.order_id, list);
  }
  return byId;
}

export function statusesOf(histories: Map<string, { status: string }[]>, id: string): string[] {
  return (histories.get(id) ?? []).map((e) => e.status);
}

/** Every order has exactly one PENDING and exactly one final history entry. */
export async function assertDecidedOnce(db: Kysely<Database>, orders: AcceptedOrder[]): Promise<void> {
  const histories = await histories_(
    db,
    orders.map((o) => o.orderId),
  );
  for (const o of orders) {
    const statuses = statusesOf(histories, o.orderId);
    assert.equal(statuses.length, 2, `${o.orderId}: history ${statuses.join(" → ")}`);
    assert.equal(statuses[0], "PENDING");
    assert.ok((FINAL as readonly string[]).includes(statuses[1]!), statuses[1]);
  }
}

export async function waitForFinal(
  db: Kysely<Database>,
  orders: AcceptedOrder[],
  timeoutMs = 20_000,
): Promise<void> {
  let last = 0;
  await waitUntil(
    () => `${orders.length} final statuses (have ${last})`,
    async () => {
      last = await decidedCount(db, orders);
      return last === orders.length;
    },
    timeoutMs,
  );
}

export async function waitUntil(
  what: string | (() => string),
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`,
      );
    }
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
