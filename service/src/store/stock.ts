/**
 * Locking and adjusting product stock — the two steps that every stock change (a batch reserving, a
 * cancellation releasing) performs in the same way, so that they order their locks identically.
 */
import type { Transaction } from "kysely";
import type { CatalogEntry } from "../orders/decide.js";
import { dialectOf } from "./dialect/index.js";
import type { Database } from "./schema.js";

/**
 * SELECT … FOR UPDATE of the named products in sku order. Every transaction that changes stock locks
 * through here first (and only then any order row), so two of them can wait for each other but never
 * deadlock. Returns the locked rows as a catalog snapshot; unknown skus are simply absent.
 */
export async function lockProducts(
  trx: Transaction<Database>,
  skus: Iterable<string>,
): Promise<Map<string, CatalogEntry>> {
  const sorted = [...new Set(skus)].sort();
  if (sorted.length === 0) return new Map();
  const rows = await trx
    .selectFrom("products")
    .select(["sku", "unit_price", "currency", "stock"])
    .where(dialectOf(trx).inList("sku", sorted, "varchar"))
    .orderBy("sku")
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.sku, { unitPrice: r.unit_price, currency: r.currency, stock: r.stock }]));
}

/**
 * stock += delta for each sku, in one statement (negative to reserve, positive to release). The rows
 * must already be locked by lockProducts. The CHECK (stock >= 0) constraint makes an oversell an error
 * even if a caller's arithmetic were wrong.
 */
export async function adjustStock(
  trx: Transaction<Database>,
  deltas: ReadonlyMap<string, number>,
  now: Date,
) {
  const skus = [...deltas.keys()].filter((sku) => deltas.get(sku) !== 0).sort();
  if (skus.length === 0) return;
  await dialectOf(trx).updateRows(trx, {
    table: "products",
    key: { name: "sku", pgType: "varchar" },
    columns: [{ name: "stock", pgType: "int4", add: true }],
    rows: skus.map((sku) => [sku, deltas.get(sku)!]),
    constant: { updated_at: now },
  });
}
