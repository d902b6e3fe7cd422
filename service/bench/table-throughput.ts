/**
 * How fast table mode moves orders, on PostgreSQL or MySQL/MariaDB:
 * 1. intake: `--submit` orders, `--concurrency` at once as concurrent API requests would, over a pool of
 *    `--pool` connections (the service's DB_POOL_MAX default is 10) — accepted orders/s, for
 *    `--intake single` (insertPendingOrder per submit, no grouping: a batch of one — note that on
 *    PostgreSQL this is already one statement; the original per-order code took a 6-round-trip
 *    transaction per order), `--intake group` (TableOrderIntake: batches of up to `--max-batch` orders per transaction
 *    after `--linger` ms) or `both` (the default, same database, one after the other);
 * 2. drain: `--orders` PENDING orders bulk-inserted up front, then `--workers` TableOrderWorkers (each
 *    with a pool of its own, like separate tasks) timed from start until no order is PENDING — decided
 *    orders/s.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/table-throughput.ts
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/mysql node --import tsx bench/table-throughput.ts
 *     [--orders 20000] [--workers 2] [--batch 500] [--skus 200] [--submit 5000] [--concurrency 32]
 *     [--pool 10] [--intake both|single|group] [--linger 3] [--max-batch 200] [--in-flight 4]
 *
 * It creates a throwaway database on that server and drops it afterwards. A script, not a test.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import { TableOrderIntake } from "../src/modes/table/table-intake.js";
import { TableOrderWorker } from "../src/modes/table/table-worker.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import { ORDER_ITEM_COLUMNS, PENDING_HISTORY_COLUMNS, PENDING_ORDER_COLUMNS } from "../src/store/columns.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { dialectOf } from "../src/store/dialect/index.js";
import { migrate } from "../src/store/migrations/index.js";
import { pendingOrderCount } from "../src/store/order-store.js";
import { insertPendingOrder } from "../src/store/pending.js";
import { applyOrders } from "../src/store/processing.js";
import { withTransaction } from "../src/store/transaction.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "20000" },
    workers: { type: "string", default: "2" },
    batch: { type: "string", default: "500" },
    skus: { type: "string", default: "200" },
    submit: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "32" },
    pool: { type: "string", default: "10" },
    intake: { type: "string", default: "both" },
    linger: { type: "string", default: "3" },
    "max-batch": { type: "string", default: "200" },
    "in-flight": { type: "string", default: "4" },
  },
});
const total = Number(values.orders);
const workerCount = Number(values.workers);
const batchSize = Number(values.batch);
const skuCount = Number(values.skus);
const submitCount = Number(values.submit);
const concurrency = Number(values.concurrency);
const poolSize = Number(values.pool);
const intakeKinds = values.intake === "both" ? ["single", "group"] : [values.intake];
if (!intakeKinds.every((kind) => kind === "single" || kind === "group")) {
  console.error(`--intake must be single, group or both, not ${values.intake}`);
  process.exit(2);
}

const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) {
  console.error("DATABASE_URL must point at a PostgreSQL or MySQL server (a throwaway database is created).");
  process.exit(2);
}
const mysql = baseUrl.startsWith("mysql:");

const randomOrder = (): AcceptedOrder => ({
  orderId: randomUUID(),
  customerId: `customer-${Math.floor(Math.random() * 1000)}`,
  currency: "EUR",
  items: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, line) => ({
    sku: `BENCH-${(Math.floor(Math.random() * skuCount) + line * 7) % skuCount}`,
    quantity: 1 + Math.floor(Math.random() * 3),
  })),
  acceptedAt: new Date().toISOString(),
});

const scratch = await createScratchDatabase(baseUrl, "fastcart_tbench");
const url = scratch.url;
const db = createDatabase(databaseConfigFromUrl(url, poolSize));
const logger = pino({ level: "warn" });
const engine = mysql ? "mysql" : "postgres";

try {
  await migrate(db);
  await db
    .insertInto("products")
    .values(
      Array.from({ length: skuCount }, (_, i) => ({
        sku: `BENCH-${i}`,
        name: `Bench product ${i}`,
        unit_price: 100 + i,
        currency: "EUR",
        stock: 1_000_000_000,
        updated_at: new Date(),
      })),
    )
    .execute();

  // 1. Intake: concurrent submitters, as the API's POST /orders handlers are.
  for (const kind of submitCount > 0 ? intakeKinds : []) {
    const intake = new TableOrderIntake(db, {
      lingerMs: Number(values.linger),
      maxBatchOrders: Number(values["max-batch"]),
      maxInFlight: Number(values["in-flight"]),
    });
    const submit =
      kind === "group"
        ? (o: AcceptedOrder) => intake.submit(o)
        : async (o: AcceptedOrder) => {
            await insertPendingOrder(db, o);
          };
    const orders = Array.from({ length: submitCount }, randomOrder);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders.length) await submit(orders[next++]!);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await intake.close();
    const transactions = kind === "group" ? intake.flushes : submitCount;
    console.log(
      `${engine} intake (${kind === "group" ? "group commit" : "one order per write"}): ` +
        `${submitCount} orders, ${concurrency} submitters, pool ${poolSize}, ${transactions} transactions, ` +
        `${seconds.toFixed(2)} s = ${Math.round(submitCount / seconds)} orders/s`,
    );
    // Decide them now so the drain below starts from exactly `total` PENDING orders.
    const cleaner = new TableOrderWorker({ db, applyOrders, cache: new MemoryStatusCache(), logger });
    await cleaner.start();
    while ((await pendingOrderCount(db)) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await cleaner.stop();
  }

  // 2. Drain: bulk-insert the backlog, then time the workers.
  for (let offset = 0; offset < total; offset += 1_000) {
    const chunk = Array.from({ length: Math.min(1_000, total - offset) }, randomOrder);
    const at = new Date();
    await withTransaction(db, async (trx) => {
      await dialectOf(trx).insertRows(
        trx,
        "orders",
        PENDING_ORDER_COLUMNS,
        chunk.map((o) => [o.orderId, o.customerId, o.currency, "PENDING", 0, at, at, at]),
      );
      await dialectOf(trx).insertRows(
        trx,
        "order_items",
        ORDER_ITEM_COLUMNS,
        chunk.flatMap((o) => o.items.map((item, i) => [o.orderId, i + 1, item.sku, item.quantity, 0, 0])),
      );
      await dialectOf(trx).insertRows(
        trx,
        "order_status_history",
        PENDING_HISTORY_COLUMNS,
        chunk.map((o) => [o.orderId, 1, "PENDING", at]),
      );
    });
  }
  const backlog = await pendingOrderCount(db);
  const pools = Array.from({ length: workerCount }, () => createDatabase(databaseConfigFromUrl(url, 2)));
  const workers = pools.map(
    (pool) =>
      new TableOrderWorker({
        db: pool,
        applyOrders,
        cache: new MemoryStatusCache(),
        logger,
        polling: { batchSize, idleBackoffMinMs: 10, idleBackoffMaxMs: 50 },
      }),
  );
  const started = performance.now();
  await Promise.all(workers.map((w) => w.start()));
  while ((await pendingOrderCount(db)) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(pools.map((pool) => pool.destroy()));
  console.log(
    `${engine} drain: ${backlog} PENDING orders decided by ${workerCount} TableOrderWorker(s), batch ${batchSize}, ` +
      `in ${seconds.toFixed(2)} s = ${Math.round(backlog / seconds)} orders/s ` +
      `(batches per worker: ${workers.map((w) => w.batches).join(", ")})`,
  );
} finally {
  await db.destroy();
  await scratch.drop();
}
