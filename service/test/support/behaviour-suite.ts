/**
 * The behavioural suite every intake mode must pass, the same suite against both modes. It knows
 * nothing about Kinesis or PENDING rows: a mode supplies a ModeHarness — a real
 * OrderIntake (what the API submits to) and real workers on a real database — and the suite checks
 * what a customer and an operator can observe in the database:
 *
 * 1. idempotency: the same order submitted twice is one order with one reservation;
 * 2. no oversell: two workers, demand far above stock on a few SKUs → stock exact, never negative;
 * 3. crash replay: a batch that dies before COMMIT leaves nothing behind, and is decided once later —
 *    by the same worker, or by another one after the first is killed;
 * 4. end to end: N orders in → N final statuses out, stock arithmetic exact, history PENDING → final.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import type { DbEngine } from "../../src/contract.js";
import type { OrderIntake, OrderWorker } from "../../src/modes/types.js";
import type { AcceptedOrder } from "../../src/orders/types.js";
import type { BatchProcessorHooks } from "../../src/pipeline/batch-processor.js";
import type { Database } from "../../src/store/schema.js";
import {
  addProduct,
  assertDecidedOnce,
  countBy,
  decidedCount,
  FINAL,
  histories_,
  newOrder,
  seededRandom,
  statusesById,
  statusesOf,
  stockOf,
  sumQuantity,
  uniqueSku,
  waitForFinal,
  waitUntil,
} from "./behaviour-observations.js";
import { RecordingMetrics } from "./worker-harness.js";

/** A worker the suite can stop gracefully or kill as a crash would. */
export interface HarnessWorker extends OrderWorker {
  kill(): Promise<void>;
}

export interface WorkerOptions {
  hooks?: BatchProcessorHooks;
  metrics?: RecordingMetrics;
  /** Orders per batch (small batches make workers interleave on the same SKUs). */
  batchSize?: number;
}

/** One running instance of the system: its intake and its workers (a stream of its own in stream mode). */
export interface SystemUnderTest {
  readonly intake: OrderIntake;
  startWorker(options?: WorkerOptions): Promise<HarnessWorker>;
  /** Kills workers still running, closes the intake. */
  close(): Promise<void>;
}

export interface ModeHarness {
  readonly mode: "stream" | "table";
  readonly engine: DbEngine;
  readonly db: Kysely<Database>;
  newSystem(): Promise<SystemUnderTest>;
  close(): Promise<void>;
}

export function behaviourSuite(
  title: string,
  createHarness: () => Promise<ModeHarness>,
  options: { skip?: string | false } = {},
): void {
  describe(title, { skip: options.skip ?? false }, () => {
    let h: ModeHarness;
    const systems: SystemUnderTest[] = [];
    before(async () => {
      h = await createHarness();
    });
    after(async () => {
      await Promise.allSettled(systems.map((s) => s.close()));
      await h?.close();
    });
    const system = async () => {
      const s = await h.newSystem();
      systems.push(s);
      return s;
    };

    test("idempotency: the same order submitted twice is one order with one reservation", async () => {
      const s = await system();
      const sku = uniqueSku("IDEM");
      await addProduct(h.db, sku, 10);
      const first = newOrder([{ sku, quantity: 3 }]);
      const second = newOrder([{ sku, quantity: 2 }]);
      await s.intake.submit(first);
      await s.intake.submit(first); // a client retry after a lost answer
      await Promise.all([s.intake.submit(second), s.intake.submit(second)]); // two racing retries
      const worker = await s.startWorker();
      await waitForFinal(h.db, [first, second]);
      // Submitted again after the decision: still nothing new. The markers go in after it; once they
      // are decided, so is anything submitted before them (a stream shard is read in order, and with
      // 16 random partition keys both shards get one but with probability 2^-15).
      await s.intake.submit(first);
      const markerSku = uniqueSku("MARK");
      await addProduct(h.db, markerSku, 100);
      const markers = Array.from({ length: 16 }, () => newOrder([{ sku: markerSku, quantity: 1 }]));
      for (const marker of markers) await s.intake.submit(marker);
      await waitForFinal(h.db, markers);
      await worker.stop();

      assert.equal(await stockOf(h.db, sku), 5, "3 + 2 reserved once each");
      const ids = [first.orderId, second.orderId];
      assert.deepEqual(await countBy(h.db, "orders", ids), new Map(ids.map((id) => [id, 1])));
      assert.deepEqual(await countBy(h.db, "order_items", ids), new Map(ids.map((id) => [id, 1])));
      const histories = await histories_(h.db, ids);
      for (const id of ids) assert.deepEqual(statusesOf(histories, id), ["PENDING", "CONFIRMED"], id);
    });

    test("no oversell: two workers, demand above stock on the same SKUs → stock exact, never negative", async () => {
      const s = await system();
      const skus = [uniqueSku("HOT"), uniqueSku("HOT"), uniqueSku("HOT")];
      const initial = new Map(skus.map((sku, i) => [sku, 25 + i * 5]));
      for (const [sku, stock] of initial) await addProduct(h.db, sku, stock);
      const random = seededRandom(42);
      const orders = Array.from({ length: 160 }, () => {
        const picked = skus.filter(() => random() < 0.5);
        const lines = picked.length > 0 ? picked : [skus[Math.floor(random() * skus.length)]!];
        return newOrder(lines.map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 3) })));
      });
      const metrics = new RecordingMetrics();
      const workers = [
        await s.startWorker({ batchSize: 8, metrics }),
        await s.startWorker({ batchSize: 8, metrics }),
      ];
      await Promise.all(orders.map((o) => s.intake.submit(o)));
      await waitForFinal(h.db, orders);
      await Promise.all(workers.map((w) => w.stop()));

      const statuses = await statusesById(h.db, orders);
      let rejected = 0;
      for (const sku of skus) {
        const confirmedQty = sumQuantity(orders, sku, (o) => statuses.get(o.orderId)?.status === "CONFIRMED");
        const final = await stockOf(h.db, sku);
        assert.ok(final >= 0, `${sku} stock ${final} must not be negative`);
        assert.equal(initial.get(sku)! - final, confirmedQty, `${sku}: reserved == confirmed quantity`);
      }
      for (const o of orders) {
        const st = statuses.get(o.orderId);
        if (st?.status === "REJECTED") {
          rejected++;
          assert.equal(st.reason, "OUT_OF_STOCK");
        }
      }
      assert.ok(rejected > 0, "demand exceeded stock, so some orders must be rejected");
      assert.ok(rejected < orders.length, "and some confirmed");
      await assertDecidedOnce(h.db, orders);
      assert.equal(metrics.confirmed + metrics.rejected, orders.length, "each decision counted once");
    });

    test("crash replay: a batch that fails before COMMIT leaves nothing; the same worker then decides each order once", async () => {
      const s = await system();
      const sku = uniqueSku("CRASH");
      await addProduct(h.db, sku, 30);
      const orders = Array.from({ length: 40 }, () => newOrder([{ sku, quantity: 1 }]));
      await Promise.all(orders.map((o) => s.intake.submit(o)));
      let calls = 0;
      let decidedSeenOnReplay = -1;
      const metrics = new RecordingMetrics();
      const worker = await s.startWorker({
        metrics,
        batchSize: 100,
        hooks: {
          beforeCommit: async (batch) => {
            if (batch.orders.length === 0) return;
            calls++;
            if (calls === 1) throw new Error("injected crash before commit");
            // The replay's transaction is still open: what others see is what the crash left.
            if (calls === 2) decidedSeenOnReplay = await decidedCount(h.db, orders);
          },
        },
      });
      await waitForFinal(h.db, orders);
      await worker.stop();

      assert.ok(calls >= 2, "the failed batch was processed again");
      assert.equal(decidedSeenOnReplay, 0, "the crashed batch committed nothing");
      assert.equal(await stockOf(h.db, sku), 0, "30 confirmed, stock exactly 0");
      const statuses = await statusesById(h.db, orders);
      const confirmed = orders.filter((o) => statuses.get(o.orderId)?.status === "CONFIRMED").length;
      assert.equal(confirmed, 30);
      await assertDecidedOnce(h.db, orders);
      assert.equal(metrics.confirmed, 30, "decisions of the rolled-back attempt are not counted");
      assert.equal(metrics.rejected, 10);
    });

    test("crash replay: a worker killed inside its batch transaction; another worker decides each order once", async () => {
      const s = await system();
      const sku = uniqueSku("KILL");
      await addProduct(h.db, sku, 1_000);
      const orders = Array.from({ length: 60 }, () => newOrder([{ sku, quantity: 2 }]));
      await Promise.all(orders.map((o) => s.intake.submit(o)));
      let victim: HarnessWorker | undefined;
      let crashed = false;
      victim = await s.startWorker({
        batchSize: 1_000,
        hooks: {
          beforeCommit: async (batch) => {
            // A dead process commits nothing: every batch of the victim from the first one on fails.
            if (crashed) throw new Error("process is dead");
            if (batch.orders.length === 0) return;
            crashed = true;
            void victim?.kill(); // the process dies with the transaction open
            throw new Error("process died before commit");
          },
        },
      });
      await waitUntil("the victim's crash", () => crashed);
      await victim.kill();
      assert.equal(await decidedCount(h.db, orders), 0, "the killed worker committed nothing");

      const survivor = await s.startWorker();
      await waitForFinal(h.db, orders);
      await survivor.stop();
      assert.equal(await stockOf(h.db, sku), 1_000 - 120);
      await assertDecidedOnce(h.db, orders);
    });

    test("end to end: 500 orders in → 500 final statuses out, stock exact, history PENDING → final", async () => {
      const s = await system();
      const skus = [uniqueSku("E2E"), uniqueSku("E2E"), uniqueSku("E2E"), uniqueSku("E2E")];
      const usd = uniqueSku("USD");
      const initial = new Map(skus.map((sku) => [sku, 300]));
      for (const [sku, stock] of initial) await addProduct(h.db, sku, stock, 250);
      await addProduct(h.db, usd, 1_000, 999, "USD");
      const random = seededRandom(7);
      const orders: AcceptedOrder[] = Array.from({ length: 500 }, (_, i) => {
        if (i % 50 === 0) return newOrder([{ sku: uniqueSku("NOPE"), quantity: 1 }]);
        if (i % 50 === 1) return newOrder([{ sku: usd, quantity: 1 }]); // EUR order, USD product
        const sku = skus[Math.floor(random() * skus.length)]!;
        return newOrder([{ sku, quantity: 1 + Math.floor(random() * 4) }]);
      });
      const started = Date.now();
      const workers = [await s.startWorker(), await s.startWorker()];
      await Promise.all(orders.map((o) => s.intake.submit(o)));
      await waitForFinal(h.db, orders, 30_000);
      const seconds = (Date.now() - started) / 1000;
      await Promise.all(workers.map((w) => w.stop()));

      const statuses = await statusesById(h.db, orders);
      assert.equal(statuses.size, 500);
      const reasons = new Map<string, number>();
      for (const st of statuses.values()) {
        assert.ok((FINAL as readonly string[]).includes(st.status), `final status, got ${st.status}`);
        if (st.reason) reasons.set(st.reason, (reasons.get(st.reason) ?? 0) + 1);
      }
      assert.equal(reasons.get("UNKNOWN_SKU"), 10);
      assert.equal(reasons.get("CURRENCY_MISMATCH"), 10);
      for (const sku of skus) {
        const confirmedQty = sumQuantity(orders, sku, (o) => statuses.get(o.orderId)?.status === "CONFIRMED");
        assert.equal(initial.get(sku)! - (await stockOf(h.db, sku)), confirmedQty, sku);
      }
      assert.equal(await stockOf(h.db, usd), 1_000, "mismatched currency reserves nothing");
      // Confirmed orders are priced from the catalog: 250 per unit, total = Σ line totals.
      for (const o of orders) {
        const st = statuses.get(o.orderId)!;
        if (st.status !== "CONFIRMED") continue;
        assert.equal(
          st.total,
          o.items.reduce((sum, item) => sum + 250 * item.quantity, 0),
          o.orderId,
        );
      }
      const histories = await histories_(
        h.db,
        orders.map((o) => o.orderId),
      );
      for (const o of orders) {
        const history = histories.get(o.orderId) ?? [];
        assert.deepEqual(
          history.map((e) => e.status),
          ["PENDING", statuses.get(o.orderId)!.status],
          o.orderId,
        );
        assert.ok(history[0]!.at.getTime() <= history[1]!.at.getTime(), "history in time order");
      }
      process.stdout.write(`# ${title}: 500 orders submitted and decided in ${seconds.toFixed(2)} s\n`);
    });
  });
}
