/**
 * End to end through the composed local system (`startLocal`, what `npm start` runs): real HTTP on
 * port 0, the real API, the Kinesis producer into a fresh in-process kinesalite, two workers with
 * shard leases, and PostgreSQL (a fresh database on DATABASE_URL's server).
 *
 * N orders in → N final statuses out, with the stock arithmetic exact; then cancellations release
 * exactly their stock; then the load role runs against the same system; then shutdown completes within
 * the 25 s budget the ECS stop timeout leaves.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type LoadReport, runLoad } from "../tools/load/index.js";
import { type LocalSystem, startLocal } from "../tools/local/local.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

const ORDERS = 300;
const FINAL = new Set(["CONFIRMED", "REJECTED"]);

interface Product {
  sku: string;
  unitPrice: number;
  currency: string;
  stock: number;
}
const PRODUCTS = {
  plentyA: { sku: "E2E-PLENTY-A", unitPrice: 1999, currency: "EUR", stock: 100_000 },
  plentyB: { sku: "E2E-PLENTY-B", unitPrice: 250, currency: "EUR", stock: 100_000 },
  // ~90 orders want 1–3 each (~180 units) of 40: most of them lose the race.
  scarce: { sku: "E2E-SCARCE", unitPrice: 999, currency: "EUR", stock: 40 },
  usd: { sku: "E2E-USD", unitPrice: 500, currency: "USD", stock: 1_000 },
} satisfies Record<string, Product>;
const CATALOG = new Map<string, Product>(Object.values(PRODUCTS).map((p) => [p.sku, p]));

type Kind = "plenty" | "scarce" | "unknown-sku" | "currency-mismatch";
interface PlacedOrder {
  kind: Kind;
  customerId: string;
  items: { sku: string; quantity: number }[];
  orderId: string;
}
interface OrderView {
  orderId: string;
  customerId: string;
  status: string;
  currency: string;
  items: { sku: string; quantity: number; unitPrice: number; lineTotal: number }[];
  total: number;
  rejectionReason?: string;
  history: { status: string; at: string; reason?: string }[];
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function orderFor(i: number, random: () => number): Omit<PlacedOrder, "orderId"> {
  const qty = (max: number) => 1 + Math.floor(random() * max);
  const customerId = `e2e-customer-${i % 7}`;
  const slot = i % 10;
  if (slot <= 4) {
    const items = [{ sku: PRODUCTS.plentyA.sku, quantity: qty(5) }];
    if (slot % 2 === 0) items.push({ sku: PRODUCTS.plentyB.sku, quantity: qty(10) });
    return { kind: "plenty", customerId, items };
  }
  if (slot <= 7) {
    return {
      kind: "scarce",
      customerId,
      items: [
        { sku: PRODUCTS.scarce.sku, quantity: qty(3) },
        { sku: PRODUCTS.plentyB.sku, quantity: 1 },
      ],
    };
  }
  if (slot === 8) {
    return {
      kind: "unknown-sku",
      customerId,
      items: [
        { sku: PRODUCTS.plentyA.sku, quantity: 1 },
        { sku: `E2E-NO-SUCH-${i}`, quantity: 1 },
      ],
    };
  }
  return { kind: "currency-mismatch", customerId, items: [{ sku: PRODUCTS.usd.sku, quantity: qty(3) }] };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

describe("local system end to end (startLocal: API + kinesalite + 2 workers + PostgreSQL)", () => {
  let database: TestDatabase;
  let system: LocalSystem;
  let shutdownMs: number | undefined;

  async function api(method: string, path: string, body?: unknown, token = system.adminToken) {
    const response = await fetch(`${system.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  }
  const stockOf = async (sku: string): Promise<number> => {
    const response = await api("GET", `/products/${sku}`);
    assert.equal(response.status, 200, `GET /products/${sku}`);
    return response.json.stock as number;
  };

  before(async () => {
    database = await createTestDatabase("e2e_local");
    system = await startLocal({
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: database.url,
      LOG_LEVEL: "warn",
    });
  });

  after(async () => {
    if (system && shutdownMs === undefined) await system.lifecycle.shutdown().catch(() => undefined);
    await database?.drop();
  });

  test("PORT 0 binds an ephemeral port and the URL names it", () => {
    const port = Number(new URL(system.url).port);
    assert.ok(port > 0 && port !== 3000, `expected an ephemeral port, got ${system.url}`);
  });

  const placed: PlacedOrder[] = [];
  const views = new Map<string, OrderView>();
  const stockSamples: number[] = [];

  test(`${ORDERS} concurrent orders all reach exactly one final status, stock arithmetic exact`, async () => {
    for (const product of Object.values(PRODUCTS)) {
      const { sku, ...body } = product;
      const response = await api("PUT", `/products/${sku}`, { name: `e2e ${sku}`, ...body });
      assert.equal(response.status, 200, `PUT /products/${sku}: ${JSON.stringify(response.json)}`);
    }

    const random = prng(20_261_123);
    const requests = Array.from({ length: ORDERS }, (_, i) => orderFor(i, random));
    const answers = await pool(requests, 64, async (order) => {
      const response = await api("POST", "/orders", {
        customerId: order.customerId,
        currency: "EUR",
        items: order.items,
      });
      return { order, response };
    });
    for (const { order, response } of answers) {
      assert.equal(response.status, 202, `POST /orders (${order.kind}): ${JSON.stringify(response.json)}`);
      assert.equal(response.json.status, "PENDING");
      assert.equal(response.headers.get("location"), `/orders/${response.json.orderId}`);
      placed.push({ ...order, orderId: response.json.orderId });
    }
    assert.equal(new Set(placed.map((o) => o.orderId)).size, ORDERS, "every order has its own id");

    // Wait (bounded) for every order to be decided, sampling the contended stock meanwhile.
    const deadline = Date.now() + 60_000;
    let open = placed.map((o) => o.orderId);
    while (open.length > 0) {
      assert.ok(Date.now() < deadline, `${open.length} of ${ORDERS} orders still not final after 60 s`);
      stockSamples.push(await stockOf(PRODUCTS.scarce.sku));
      const read = await pool(open, 32, async (id) => ({ id, response: await api("GET", `/orders/${id}`) }));
      open = [];
      for (const { id, response } of read) {
        assert.equal(response.status, 200, `GET /orders/${id}: an accepted order is never a 404`);
        const view = response.json as OrderView;
        if (FINAL.has(view.status)) views.set(id, view);
        else {
          assert.equal(view.status, "PENDING");
          open.push(id);
        }
      }
      if (open.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(views.size, ORDERS);

    const confirmedUnits = new Map<string, number>();
    const outcomes = new Map<string, number>();
    for (const order of placed) {
      const view = views.get(order.orderId)!;
      const outcome = `${order.kind}:${view.status}${view.rejectionReason ? `:${view.rejectionReason}` : ""}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

      // History: PENDING first, exactly one final status, in time order.
      assert.deepEqual(
        view.history.map((h) => h.status),
        ["PENDING", view.status],
        `history of ${order.orderId}`,
      );
      assert.ok(
        Date.parse(view.history[0]!.at) <= Date.parse(view.history[1]!.at),
        "history is in time order",
      );
      assert.equal(view.customerId, order.customerId);

      // Decisions by kind.
      if (order.kind === "plenty") assert.equal(view.status, "CONFIRMED", `plenty order ${order.orderId}`);
      if (order.kind === "unknown-sku") assert.equal(view.rejectionReason, "UNKNOWN_SKU");
      if (order.kind === "currency-mismatch") assert.equal(view.rejectionReason, "CURRENCY_MISMATCH");
      if (order.kind === "scarce" && view.status === "REJECTED")
        assert.equal(view.rejectionReason, "OUT_OF_STOCK");
      if (view.status === "CONFIRMED") assert.equal(view.rejectionReason, undefined);

      // Totals: integers, priced from the catalog, Σ lines.
      assert.ok(Number.isInteger(view.total), `total of ${order.orderId} is an integer`);
      let sum = 0;
      for (const item of view.items) {
        assert.ok(Number.isInteger(item.unitPrice) && Number.isInteger(item.lineTotal));
        assert.equal(item.lineTotal, item.unitPrice * item.quantity);
        sum += item.lineTotal;
      }
      assert.equal(view.total, sum, `total of ${order.orderId} is the sum of its lines`);
      if (view.status === "CONFIRMED") {
        assert.deepEqual(
          view.items.map(({ sku, quantity }) => ({ sku, quantity })),
          order.items,
          "the confirmed lines are the ordered lines",
        );
        for (const item of view.items) {
          assert.equal(item.unitPrice, CATALOG.get(item.sku)!.unitPrice, `unit price of ${item.sku}`);
          confirmedUnits.set(item.sku, (confirmedUnits.get(item.sku) ?? 0) + item.quantity);
        }
      }
    }
    assert.ok((outcomes.get("scarce:CONFIRMED") ?? 0) > 0, `some scarce orders win: ${[...outcomes]}`);
    assert.ok((outcomes.get("scarce:REJECTED:OUT_OF_STOCK") ?? 0) > 0, `some lose: ${[...outcomes]}`);

    for (const product of Object.values(PRODUCTS)) {
      const final = await stockOf(product.sku);
      assert.ok(final >= 0, `stock of ${product.sku} is never negative`);
      assert.equal(
        product.stock - final,
        confirmedUnits.get(product.sku) ?? 0,
        `${product.sku}: initial − final stock = Σ confirmed quantities`,
      );
    }
    assert.ok(
      stockSamples.every((stock) => stock >= 0),
      `scarce stock never negative while processing: ${stockSamples}`,
    );
    // The scarce product sold out exactly, or as far as the order sizes allowed.
    assert.ok((await stockOf(PRODUCTS.scarce.sku)) < 3, "the scarce product is (almost) sold out");

    // The counters the load role and dashboards read agree with what happened.
    const metrics = await (await fetch(`${system.url}/metrics`)).text();
    const counter = (name: string) =>
      metrics
        .split("\n")
        .filter((line) => line.startsWith(name))
        .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
    assert.equal(counter("orders_accepted_total"), ORDERS);
    assert.equal(counter("orders_confirmed_total") + counter("orders_rejected_total"), ORDERS);
  });

  test("cancelling confirmed orders releases exactly their stock; a second cancel is a 409", async () => {
    assert.equal(views.size, ORDERS, "runs after the order test");
    const confirmed = placed.filter((o) => views.get(o.orderId)!.status === "CONFIRMED");
    const toCancel = [
      ...confirmed.filter((o) => o.kind === "scarce").slice(0, 2),
      ...confirmed.filter((o) => o.kind === "plenty").slice(0, 3),
    ];
    assert.equal(toCancel.length, 5);
    const skus = [...new Set(toCancel.flatMap((o) => o.items.map((i) => i.sku)))];
    const before = new Map(await Promise.all(skus.map(async (sku) => [sku, await stockOf(sku)] as const)));

    const released = new Map<string, number>();
    for (const order of toCancel) {
      const response = await api("POST", `/orders/${order.orderId}/cancel`);
      assert.equal(response.status, 200, `cancel ${order.orderId}: ${JSON.stringify(response.json)}`);
      assert.equal(response.json.status, "CANCELLED");
      assert.deepEqual(
        (response.json as OrderView).history.map((h) => h.status),
        ["PENDING", "CONFIRMED", "CANCELLED"],
      );
      for (const item of order.items) released.set(item.sku, (released.get(item.sku) ?? 0) + item.quantity);
    }
    for (const sku of skus) {
      assert.equal(
        await stockOf(sku),
        before.get(sku)! + released.get(sku)!,
        `${sku}: stock released exactly`,
      );
    }

    const again = await api("POST", `/orders/${toCancel[0]!.orderId}/cancel`);
    assert.equal(again.status, 409, "a cancelled order cannot be cancelled again");
    const rejected = placed.find((o) => views.get(o.orderId)!.status === "REJECTED")!;
    assert.equal((await api("POST", `/orders/${rejected.orderId}/cancel`)).status, 409, "nor a rejected one");
    for (const sku of skus) {
      assert.equal(
        await stockOf(sku),
        before.get(sku)! + released.get(sku)!,
        `${sku}: refused cancels change nothing`,
      );
    }
  });

  test("the load role drives the system and sees every accepted order decided", async () => {
    const report: LoadReport = await runLoad({
      url: system.url,
      token: system.adminToken,
      durationSeconds: 2,
      connections: 8,
      skus: 10,
      scarceSkus: 1,
      drainTimeoutSeconds: 30,
      progress: false,
    });
    assert.ok(report.requests.accepted > 0, "some orders were accepted");
    assert.deepEqual(report.requests.non2xx, {}, "every request was accepted");
    assert.equal(report.requests.errors, 0);
    // autocannon drops the answers still in flight when the duration ends: the server may count up to
    // one more accepted order per connection than the client saw.
    assert.ok(
      report.endToEnd.accepted >= report.requests.accepted &&
        report.endToEnd.accepted <= report.requests.accepted + 8,
      `server accepted ${report.endToEnd.accepted}, client saw ${report.requests.accepted} 202s`,
    );
    assert.equal(report.endToEnd.complete, true);
    assert.equal(report.endToEnd.decided, report.endToEnd.accepted);
    assert.equal(report.endToEnd.confirmed + report.endToEnd.rejected, report.endToEnd.decided);
    assert.ok(report.endToEnd.ordersPerSecond > 0);
    for (const value of Object.values(report.latencyMs)) assert.ok(Number.isFinite(value) && value >= 0);
    assert.ok(report.latencyMs.p50 <= report.latencyMs.p99 && report.latencyMs.p99 <= report.latencyMs.max);
    assert.ok(report.workerLag.shardLagMaxSeconds >= 0);
    assert.ok(report.workerLag.backlogMax >= 0);
    const { processingP50Seconds: p50, processingP99Seconds: p99 } = report.workerLag;
    assert.ok(
      p50 !== null && p99 !== null && p50 >= 0 && p50 <= p99,
      `acceptance → decision p50 ${p50}, p99 ${p99}`,
    );
  });

  test("shutdown stops API, workers and kinesalite within the 25 s budget", async () => {
    const started = Date.now();
    await system.lifecycle.shutdown();
    shutdownMs = Date.now() - started;
    assert.ok(shutdownMs < 25_000, `shutdown took ${shutdownMs} ms`);
    await assert.rejects(fetch(`${system.url}/health`, { signal: AbortSignal.timeout(2_000) }), "API closed");
  });
});
