/**
 * Throughput of the processing core alone: applyOrders + commit, batches of 500, against the
 * PostgreSQL (postgres://) or MySQL (mysql://) server in DATABASE_URL (a scratch database is created
 * and dropped). Not a test: it prints orders/s for one worker and for two workers committing
 * concurrently on overlapping SKUs, and the cost of replaying an already-applied batch.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/apply-orders.ts [batches]
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/test node --import tsx bench/apply-orders.ts [batches]
 */
import { randomUUID } from "node:crypto";
import type { AcceptedOrder } from "../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { migrate } from "../src/store/migrations/index.js";
import { applyOrders } from "../src/store/processing.js";
import { withTransaction } from "../src/store/transaction.js";
import { createScratchDatabase } from "./scratch-database.js";

const BATCH = 500;
const SKUS = 200;
const batches = Number(process.argv[2] ?? 40);

const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) throw new Error("set DATABASE_URL to a PostgreSQL server (the bench creates its own database)");
const scratch = await createScratchDatabase(baseUrl);
const db = createDatabase(databaseConfigFromUrl(scratch.url, 4));

try {
  await migrate(db);
  const now = new Date();
  await db
    .insertInto("products")
    .values(
      Array.from({ length: SKUS }, (_, i) => ({
        sku: `BENCH-${i}`,
        name: `Bench product ${i}`,
        unit_price: 100 + i,
        currency: "EUR",
        stock: 1_000_000_000,
        updated_at: now,
      })),
    )
    .execute();

  const makeBatch = (): AcceptedOrder[] =>
    Array.from({ length: BATCH }, () => ({
      orderId: randomUUID(),
      customerId: `customer-${Math.floor(Math.random() * 1000)}`,
      currency: "EUR",
      items: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
        sku: `BENCH-${Math.floor(Math.random() * SKUS)}`,
        quantity: 1 + Math.floor(Math.random() * 3),
      })),
      acceptedAt: new Date().toISOString(),
    }));

  const run = async (workers: number, label: string) => {
    const work = Array.from({ length: workers }, () => Array.from({ length: batches }, makeBatch));
    const started = performance.now();
    await Promise.all(
      work.map(async (mine) => {
        for (const batch of mine) await withTransaction(db, (trx) => applyOrders(trx, batch, new Date()));
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const orders = workers * batches * BATCH;
    console.log(
      `${label}: ${orders} orders in ${seconds.toFixed(2)} s = ${Math.round(orders / seconds)} orders/s ` +
        `(${((seconds * 1000) / (workers * batches)).toFixed(1)} ms per batch of ${BATCH})`,
    );
  };

  await run(1, "warm-up");
  await run(1, "1 worker ");
  await run(2, "2 workers");
  // A replayed batch (every order already decided) costs only the reads.
  const replay = makeBatch();
  await withTransaction(db, (trx) => applyOrders(trx, replay, new Date()));
  const started = performance.now();
  for (let i = 0; i < 10; i++) await withTransaction(db, (trx) => applyOrders(trx, replay, new Date()));
  console.log(
    `replay   : ${((performance.now() - started) / 10).toFixed(1)} ms per already-applied batch of ${BATCH}`,
  );
} finally {
  await db.destroy();
  await scratch.drop();
}
