/** The products a run creates and the random orders it sends for them. */
import { randomUUID } from "node:crypto";
import type { LoadOptions } from "./types.js";

export interface LoadCatalog {
  currency: string;
  plentiful: string[];
  scarce: string[];
}

/** Stock of a plentiful product: more than any run on one machine can order (the schema allows 1e9). */
const PLENTIFUL_STOCK = 1_000_000_000;
/** Stock of a scarce product: sold out within the first second, so later orders for it are rejected. */
const SCARCE_STOCK = 200;
/** Share of orders that ask for a scarce product. */
const SCARCE_SHARE = 0.05;
const CUSTOMERS = 1_000;

async function putProduct(options: LoadOptions, sku: string, unitPrice: number, stock: number) {
  const response = await fetch(`${options.url}/products/${sku}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `load test ${sku}`, unitPrice, currency: "EUR", stock }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) {
    const hint =
      response.status === 401 || response.status === 403 ? " (--token must have the admin scope)" : "";
    throw new Error(`PUT /products/${sku} answered ${response.status}${hint}: ${await response.text()}`);
  }
}

/** Creates the run's products (distinct SKUs per run, so runs never share stock). */
export async function createLoadCatalog(options: LoadOptions, runId: string): Promise<LoadCatalog> {
  const catalog: LoadCatalog = { currency: "EUR", plentiful: [], scarce: [] };
  for (let i = 0; i < options.skus; i++) {
    const sku = `LOAD-${runId}-${String(i).padStart(4, "0")}`;
    (i < options.scarceSkus ? catalog.scarce : catalog.plentiful).push(sku);
  }
  const all = [
    ...catalog.scarce.map((sku) => [sku, SCARCE_STOCK] as const),
    ...catalog.plentiful.map((sku) => [sku, PLENTIFUL_STOCK] as const),
  ];
  // A few at a time: the catalog is small, and this is set-up, not the measurement.
  for (let i = 0; i < all.length; i += 8) {
    await Promise.all(
      all
        .slice(i, i + 8)
        .map(([sku, stock], j) => putProduct(options, sku, 100 + ((i + j) % 50) * 37, stock)),
    );
  }
  return catalog;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** A fresh order body: a new orderId (so no two requests are the same order), random customer and lines. */
export function randomOrderBody(catalog: LoadCatalog, runId: string, items?: number): string {
  // `items` fixed (bench --items), or 1–3 lines; never more distinct lines than there are products.
  const lines = Math.min(
    items ?? 1 + Math.floor(Math.random() * 3),
    catalog.plentiful.length + (catalog.scarce.length > 0 ? 1 : 0),
  );
  const skus = new Set<string>();
  if (Math.random() < SCARCE_SHARE) skus.add(pick(catalog.scarce));
  while (skus.size < lines) skus.add(pick(catalog.plentiful));
  return JSON.stringify({
    orderId: randomUUID(),
    customerId: `load-${runId}-${Math.floor(Math.random() * CUSTOMERS)}`,
    currency: catalog.currency,
    items: [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 5) })),
  });
}
