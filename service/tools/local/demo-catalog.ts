import type { Product } from "../../src/orders/types.js";
import type { OrderStore } from "../../src/store/types.js";

/** A small catalog so the local system can take orders at once. Prices in euro cents. */
const DEMO_CATALOG: readonly Product[] = [
  { sku: "TSHIRT-BLK-M", name: "T-shirt, black, M", unitPrice: 1999, currency: "EUR", stock: 500 },
  { sku: "MUG-LOGO", name: "FastCart mug", unitPrice: 1250, currency: "EUR", stock: 200 },
  { sku: "SOCKS-3PK", name: "Socks, 3 pack", unitPrice: 899, currency: "EUR", stock: 1000 },
  { sku: "POSTER-A2", name: "Poster A2 (limited)", unitPrice: 2500, currency: "EUR", stock: 3 },
  { sku: "CAP-USD", name: "Cap (US store)", unitPrice: 2200, currency: "USD", stock: 100 },
];

/** Adds the demo products that are missing; never overwrites stock of an existing product. */
export async function seedDemoCatalog(store: OrderStore): Promise<number> {
  let added = 0;
  for (const product of DEMO_CATALOG) {
    if (await store.getProduct(product.sku)) continue;
    await store.putProduct(product);
    added += 1;
  }
  return added;
}
