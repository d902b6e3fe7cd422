/**
 * The decision: which accepted orders are confirmed, which are rejected and why, what each line costs
 * and how much stock leaves each product. Pure — no I/O, no clock — so the stream worker, the table
 * worker and the tests all run exactly this code, and a replayed batch decides exactly as before.
 *
 * Orders are decided in the order given: an earlier order reserves stock before a later one sees it.
 * Rejection reasons have a fixed precedence, checked over the whole order:
 *   UNKNOWN_SKU (any sku missing) > CURRENCY_MISMATCH (any product priced in another currency)
 *   > OUT_OF_STOCK (any sku's requested quantity, summed over its lines, exceeds what is left)
 *   > TOTAL_TOO_LARGE (the priced total is not an exact JS integer).
 * A rejected order reserves nothing and is not priced: its lines and total are 0.
 */
import { AmountOverflowError, lineTotal, sumAmounts } from "./totals.js";
import type { AcceptedOrder, OrderLine, RejectionReason } from "./types.js";

/** What the decision needs to know about one product. */
export interface CatalogEntry {
  unitPrice: number;
  currency: string;
  /** Units available before this batch. */
  stock: number;
}

export type CatalogSnapshot = ReadonlyMap<string, CatalogEntry>;

export type DecidedOrder =
  | { orderId: string; status: "CONFIRMED"; total: number; lines: OrderLine[] }
  | { orderId: string; status: "REJECTED"; reason: RejectionReason; total: 0; lines: OrderLine[] };

export interface BatchOutcome {
  /** One per input order, in input order. */
  decisions: DecidedOrder[];
  /** Units reserved per sku by the confirmed orders (only skus with a reservation appear). */
  reserved: Map<string, number>;
}

/** Quantity per sku, summing lines that name the same sku. */
export function quantitiesBySku(items: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return totals;
}

function unpriced(order: AcceptedOrder): OrderLine[] {
  return order.items.map(({ sku, quantity }) => ({ sku, quantity, unitPrice: 0, lineTotal: 0 }));
}

/** Decides `orders` against `catalog`, in order. The catalog itself is not modified. */
export function decideOrders(orders: readonly AcceptedOrder[], catalog: CatalogSnapshot): BatchOutcome {
  const reserved = new Map<string, number>();
  const remaining = (sku: string, entry: CatalogEntry) => entry.stock - (reserved.get(sku) ?? 0);

  const decisions = orders.map((order): DecidedOrder => {
    const reject = (reason: RejectionReason): DecidedOrder => ({
      orderId: order.orderId,
      status: "REJECTED",
      reason,
      total: 0,
      lines: unpriced(order),
    });
    const wanted = quantitiesBySku(order.items);
    const entries = new Map<string, CatalogEntry>();
    for (const sku of wanted.keys()) {
      const entry = catalog.get(sku);
      if (!entry) return reject("UNKNOWN_SKU");
      entries.set(sku, entry);
    }
    for (const entry of entries.values()) {
      if (entry.currency !== order.currency) return reject("CURRENCY_MISMATCH");
    }
    for (const [sku, quantity] of wanted) {
      if (quantity > remaining(sku, entries.get(sku)!)) return reject("OUT_OF_STOCK");
    }
    let lines: OrderLine[];
    let total: number;
    try {
      lines = order.items.map(({ sku, quantity }) => {
        const unitPrice = entries.get(sku)!.unitPrice;
        return { sku, quantity, unitPrice, lineTotal: lineTotal(unitPrice, quantity) };
      });
      total = sumAmounts(lines.map((line) => line.lineTotal));
    } catch (error) {
      if (error instanceof AmountOverflowError) return reject("TOTAL_TOO_LARGE");
      throw error;
    }
    for (const [sku, quantity] of wanted) reserved.set(sku, (reserved.get(sku) ?? 0) + quantity);
    return { orderId: order.orderId, status: "CONFIRMED", total, lines };
  });
  return { decisions, reserved };
}
