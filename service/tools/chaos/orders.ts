/**
 * The chaos load and its verdict. Load: orders with client-chosen ids (so a retry is the same order)
 * POSTed through the API, each retried on 503 or a connection error until answered 202 or the
 * deadline — what a well-behaved client does. Verdict, from the database: every 202 decided (0 lost),
 * no order with two decisions (0 decided twice), and the stock of every SKU exactly its initial stock
 * minus the confirmed quantities.
 */
import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Database } from "../../src/store/schema.js";
import { sleep } from "./stack.js";

export interface LoadResult {
  accepted: Map<string, { sku: string; quantity: number }>;
  retries: number;
  /** Requests given up (deadline): the client was never told 202, so they are not "lost". */
  abandoned: number;
  /** Answers that were neither 202, 503 nor a connection error (must stay 0). */
  unexpected: string[];
}

export interface LoadOptions {
  apiUrl: () => string;
  token: string;
  customerId: string;
  skus: string[];
  orders: number;
  concurrency: number;
  /** Called once `accepted.size` crosses each fraction in `at` (0–1): where the fault is injected. */
  onProgress?: (acceptedFraction: number) => void;
  deadlineMs: number;
  /** Spread the orders over at least this long, so faults land while orders are in flight. */
  spreadMs: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { accepted: new Map(), retries: 0, abandoned: 0, unexpected: [] };
  const start = Date.now();
  const deadline = start + options.deadlineMs;
  let next = 0;
  const one = async () => {
    for (;;) {
      const index = next++;
      if (index >= options.orders) return;
      await sleep(start + (index * options.spreadMs) / options.orders - Date.now());
      const orderId = randomUUID();
      const sku = options.skus[index % options.skus.length]!;
      const quantity = 1 + (index % 3);
      const body = JSON.stringify({
        orderId,
        customerId: options.customerId,
        currency: "EUR",
        items: [{ sku, quantity }],
      });
      for (;;) {
        if (Date.now() > deadline) {
          result.abandoned++;
          break;
        }
        try {
          const res = await fetch(`${options.apiUrl()}/orders`, {
            method: "POST",
            headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          if (res.status === 202) {
            result.accepted.set(orderId, { sku, quantity });
            options.onProgress?.(result.accepted.size / options.orders);
            break;
          }
          if (res.status !== 503) {
            result.unexpected.push(`${res.status} ${text.slice(0, 200)}`);
            break;
          }
        } catch {
          // connection refused or reset while a component restarts: the same order again
        }
        result.retries++;
        await sleep(200);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, one));
  return result;
}

export interface Verdict {
  accepted: number;
  decided: number;
  lost: number;
  decidedTwice: number;
  confirmed: number;
  rejected: number;
  stockExact: boolean;
  waitedMs: number;
}

/** Waits (bounded) until every accepted order is decided, then checks the three invariants. */
export async function verify(
  db: Kysely<Database>,
  load: LoadResult,
  initialStock: Map<string, number>,
  timeoutMs: number,
): Promise<Verdict> {
  const ids = [...load.accepted.keys()];
  const started = Date.now();
  let decided = new Map<string, number>();
  for (;;) {
    decided = await decisionCounts(db, [...initialStock.keys()]);
    if (ids.every((id) => decided.has(id)) || Date.now() - started > timeoutMs) break;
    await sleep(500);
  }
  const rows = await db
    .selectFrom("orders")
    .innerJoin("order_items", "order_items.order_id", "orders.order_id")
    .select(["orders.order_id", "orders.status", "order_items.sku", "order_items.quantity"])
    .where("order_items.sku", "in", [...initialStock.keys()])
    .execute();
  const confirmedBySku = new Map<string, number>();
  let confirmed = 0;
  let rejected = 0;
  for (const row of rows) {
    if (row.status === "CONFIRMED" || row.status === "CANCELLED") {
      confirmedBySku.set(row.sku, (confirmedBySku.get(row.sku) ?? 0) + row.quantity);
      confirmed++;
    } else if (row.status === "REJECTED") rejected++;
  }
  const stock = await db
    .selectFrom("products")
    .select(["sku", "stock"])
    .where("sku", "in", [...initialStock.keys()])
    .execute();
  const stockExact = stock.every(
    (p) => p.stock === initialStock.get(p.sku)! - (confirmedBySku.get(p.sku) ?? 0),
  );
  return {
    accepted: ids.length,
    decided: ids.filter((id) => decided.has(id)).length,
    lost: ids.filter((id) => !decided.has(id)).length,
    decidedTwice: [...decided.values()].filter((n) => n > 1).length,
    confirmed,
    rejected,
    stockExact,
    waitedMs: Date.now() - started,
  };
}

/** Decision history rows per order of these SKUs (exactly 1 when decided once). */
async function decisionCounts(db: Kysely<Database>, skus: string[]): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("order_status_history as h")
    .select(["h.order_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("h.status", "in", ["CONFIRMED", "REJECTED"])
    .where(
      sql<boolean>`exists (select 1 from order_items i where i.order_id = h.order_id and i.sku in (${sql.join(skus)}))`,
    )
    .groupBy("h.order_id")
    .execute();
  return new Map(rows.map((r) => [r.order_id, Number(r.n)]));
}

export function passed(verdict: Verdict, load: LoadResult): boolean {
  return (
    verdict.lost === 0 && verdict.decidedTwice === 0 && verdict.stockExact && load.unexpected.length === 0
  );
}
