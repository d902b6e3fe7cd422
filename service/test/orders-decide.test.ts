/**
 * The pure decision function: precedence of rejection reasons, in-batch reservation order, summed
 * quantities per sku, pricing — and, over thousands of generated batches, the invariants: stock never
 * goes negative, total = Σ lineTotal, rejected orders reserve nothing, and the same input always
 * decides the same way.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CatalogEntry, decideOrders, quantitiesBySku } from "../src/orders/decide.js";
import type { AcceptedOrder } from "../src/orders/types.js";

const catalog = (entries: Record<string, CatalogEntry>) => new Map(Object.entries(entries));
let nextId = 0;
const order = (items: { sku: string; quantity: number }[], currency = "EUR"): AcceptedOrder => ({
  orderId: `o-${++nextId}`,
  customerId: "c",
  currency,
  items,
  acceptedAt: "2026-01-01T00:00:00.000Z",
});

describe("decideOrders", () => {
  const shop = catalog({
    A: { unitPrice: 250, currency: "EUR", stock: 5 },
    B: { unitPrice: 1000, currency: "EUR", stock: 1 },
    U: { unitPrice: 99, currency: "USD", stock: 100 },
  });

  test("confirms and prices each line; total is the sum; reservations are reported", () => {
    const { decisions, reserved } = decideOrders(
      [
        order([
          { sku: "A", quantity: 2 },
          { sku: "B", quantity: 1 },
        ]),
      ],
      shop,
    );
    assert.deepEqual(decisions[0], {
      orderId: decisions[0]!.orderId,
      status: "CONFIRMED",
      total: 1500,
      lines: [
        { sku: "A", quantity: 2, unitPrice: 250, lineTotal: 500 },
        { sku: "B", quantity: 1, unitPrice: 1000, lineTotal: 1000 },
      ],
    });
    assert.deepEqual(
      [...reserved],
      [
        ["A", 2],
        ["B", 1],
      ],
    );
  });

  test("UNKNOWN_SKU beats CURRENCY_MISMATCH beats OUT_OF_STOCK", () => {
    const all = order([
      { sku: "B", quantity: 9 },
      { sku: "U", quantity: 1 },
      { sku: "NOPE", quantity: 1 },
    ]);
    const mismatchAndStock = order([
      { sku: "B", quantity: 9 },
      { sku: "U", quantity: 1 },
    ]);
    const stockOnly = order([{ sku: "B", quantity: 2 }]);
    const { decisions, reserved } = decideOrders([all, mismatchAndStock, stockOnly], shop);
    assert.deepEqual(
      decisions.map((d) => (d.status === "REJECTED" ? d.reason : d.status)),
      ["UNKNOWN_SKU", "CURRENCY_MISMATCH", "OUT_OF_STOCK"],
    );
    assert.equal(reserved.size, 0);
    for (const d of decisions) {
      assert.equal(d.total, 0);
      for (const line of d.lines) assert.deepEqual([line.unitPrice, line.lineTotal], [0, 0]);
    }
  });

  test("earlier orders reserve first; a later one sees only what is left", () => {
    const { decisions } = decideOrders(
      [
        order([{ sku: "A", quantity: 3 }]),
        order([{ sku: "A", quantity: 3 }]),
        order([{ sku: "A", quantity: 2 }]),
      ],
      shop,
    );
    assert.deepEqual(
      decisions.map((d) => d.status),
      ["CONFIRMED", "REJECTED", "CONFIRMED"],
    );
  });

  test("lines naming the same sku are summed against stock but kept as separate priced lines", () => {
    const { decisions } = decideOrders(
      [
        order([
          { sku: "A", quantity: 3 },
          { sku: "A", quantity: 3 },
        ]),
        order([
          { sku: "A", quantity: 2 },
          { sku: "A", quantity: 3 },
        ]),
      ],
      shop,
    );
    assert.equal(decisions[0]!.status, "REJECTED");
    assert.equal(decisions[1]!.status, "CONFIRMED");
    assert.equal(decisions[1]!.lines.length, 2);
    assert.equal(decisions[1]!.total, 1250);
  });

  test("exactly the remaining stock is enough; a zero-stock product rejects", () => {
    const { decisions } = decideOrders(
      [order([{ sku: "A", quantity: 5 }]), order([{ sku: "A", quantity: 1 }])],
      shop,
    );
    assert.deepEqual(
      decisions.map((d) => d.status),
      ["CONFIRMED", "REJECTED"],
    );
  });

  test("a free product (price 0) is confirmed with total 0", () => {
    const { decisions } = decideOrders(
      [order([{ sku: "F", quantity: 1 }])],
      catalog({ F: { unitPrice: 0, currency: "EUR", stock: 1 } }),
    );
    assert.equal(decisions[0]!.status, "CONFIRMED");
    assert.equal(decisions[0]!.total, 0);
  });

  test("a total beyond 2^53 − 1 is TOTAL_TOO_LARGE and reserves nothing", () => {
    const huge = catalog({ H: { unitPrice: 1_000_000_000_000, currency: "EUR", stock: 1_000_000 } });
    const big = order(Array.from({ length: 10 }, () => ({ sku: "H", quantity: 1000 })));
    const ok = order([{ sku: "H", quantity: 1000 }]);
    const { decisions, reserved } = decideOrders([big, ok], huge);
    assert.equal(decisions[0]!.status, "REJECTED");
    assert.equal(decisions[0]!.status === "REJECTED" && decisions[0]!.reason, "TOTAL_TOO_LARGE");
    assert.equal(decisions[1]!.total, 1_000_000_000_000_000);
    assert.deepEqual([...reserved], [["H", 1000]]);
  });

  test("does not modify the catalog it is given", () => {
    const entries = catalog({ A: { unitPrice: 1, currency: "EUR", stock: 2 } });
    decideOrders([order([{ sku: "A", quantity: 2 }])], entries);
    assert.equal(entries.get("A")!.stock, 2);
  });

  test("an empty batch decides nothing", () => {
    assert.deepEqual(decideOrders([], shop), { decisions: [], reserved: new Map() });
  });
});

test("quantitiesBySku sums lines per sku", () => {
  assert.deepEqual(
    [
      ...quantitiesBySku([
        { sku: "a", quantity: 1 },
        { sku: "b", quantity: 2 },
        { sku: "a", quantity: 3 },
      ]),
    ],
    [
      ["a", 4],
      ["b", 2],
    ],
  );
});

describe("properties over generated batches", () => {
  // A small deterministic PRNG (mulberry32): failures reproduce from the printed seed.
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  for (let seed = 1; seed <= 300; seed++) {
    test(`seed ${seed}`, () => {
      const random = prng(seed);
      const int = (n: number) => Math.floor(random() * n);
      const skus = Array.from({ length: 1 + int(6) }, (_, i) => `S${i}`);
      const shop = new Map<string, CatalogEntry>(
        skus.map((sku) => [
          sku,
          { unitPrice: int(10_000), currency: random() < 0.9 ? "EUR" : "USD", stock: int(30) },
        ]),
      );
      const orders = Array.from({ length: 1 + int(40) }, () =>
        order(
          Array.from({ length: 1 + int(4) }, () => ({
            sku: random() < 0.95 ? skus[int(skus.length)]! : "MISSING",
            quantity: 1 + int(8),
          })),
          random() < 0.95 ? "EUR" : "USD",
        ),
      );
      const { decisions, reserved } = decideOrders(orders, shop);
      assert.equal(decisions.length, orders.length);

      const taken = new Map<string, number>();
      decisions.forEach((d, i) => {
        const o = orders[i]!;
        assert.equal(d.orderId, o.orderId);
        assert.equal(d.lines.length, o.items.length);
        assert.equal(
          d.total,
          d.lines.reduce((sum, line) => sum + line.lineTotal, 0),
          "total = Σ lineTotal",
        );
        for (const line of d.lines) assert.equal(line.lineTotal, line.unitPrice * line.quantity);
        if (d.status === "CONFIRMED") {
          for (const item of o.items) {
            const entry = shop.get(item.sku);
            assert.ok(entry, "confirmed orders only name known skus");
            assert.equal(entry.currency, o.currency);
            taken.set(item.sku, (taken.get(item.sku) ?? 0) + item.quantity);
          }
        } else {
          assert.equal(d.total, 0);
        }
      });
      for (const [sku, entry] of shop) {
        const used = taken.get(sku) ?? 0;
        assert.equal(reserved.get(sku) ?? 0, used, "reserved = Σ confirmed quantities");
        assert.ok(entry.stock - used >= 0, "stock never negative");
      }
      // Every OUT_OF_STOCK rejection was necessary: replaying the confirmed prefix leaves too little.
      const left = new Map([...shop].map(([sku, e]) => [sku, e.stock]));
      decisions.forEach((d, i) => {
        const wanted = quantitiesBySku(orders[i]!.items);
        if (d.status === "CONFIRMED") for (const [sku, q] of wanted) left.set(sku, left.get(sku)! - q);
        if (d.status === "REJECTED" && d.reason === "OUT_OF_STOCK") {
          assert.ok([...wanted].some(([sku, q]) => q > left.get(sku)!));
        }
      });
      assert.deepEqual(decideOrders(orders, shop), { decisions, reserved }, "deterministic");
    });
  }
});
