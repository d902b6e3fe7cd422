/**
 * Locking and adjusting product stock — the two steps that every stock change (a batch reserving, a
 * cancellation releasing) performs in the same way, so that they order their locks identically.
 */
import { sql, type Transaction } from "kysely";
import type { CatalogEntry } from "../orders/decide.js";
import { inList } from "./bulk.js";
import { engineOf } from "./database.js";
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
    .where(inList(trx, "sku", sorted, "varchar"))
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
  const amounts = skus.map((sku) => deltas.get(sku)!);
  if (engineOf(trx) === "postgres") {
    await sql`update products as p set stock = p.stock + d.delta, updated_at = ${now}
      from unnest(${skus}::varchar[], ${amounts}::int4[]) as d(sku, delta)
      where p.sku = d.sku`.execute(trx);
    return;
  }
  const byCase = sql.join(
    skus.map((sku, i) => sql`when ${sku} then ${amounts[i]}`),
    sql` `,
  );
  await sql`update products set stock = stock + case sku ${byCase} end, updated_at = ${now}
    where sku in (${sql.join(skus)})`.execute(trx);
}
