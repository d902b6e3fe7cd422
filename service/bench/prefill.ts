/**
 * `--prefill N`: N decided orders already in the database before the load, so the run measures a
 * system whose tables and indexes are not empty (inserts into a large orders table, its customer and
 * status indexes). One set-based INSERT per table, in slices so progress shows.
 */
import pg from "pg";

const SLICE = 100_000;

export async function prefillOrders(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let done = 0; done < count; done += SLICE) {
      const n = Math.min(SLICE, count - done);
      await client.query("BEGIN");
      await client.query(
        `WITH o AS (
           INSERT INTO orders (order_id, customer_id, currency, status, rejection_reason, total, accepted_at, created_at, updated_at)
           SELECT gen_random_uuid(), 'prefill-' || (i % 5000), 'EUR', 'CONFIRMED', NULL, 1000,
                  now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval, now()
           FROM generate_series(1, $1::int) AS i
           RETURNING order_id, accepted_at
         ), items AS (
           INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price, line_total)
           SELECT order_id, 1, 'PREFILL-SKU', 1, 1000, 1000 FROM o
         )
         INSERT INTO order_status_history (order_id, seq, status, reason, at)
         SELECT order_id, 1, 'PENDING', NULL, accepted_at FROM o
         UNION ALL SELECT order_id, 2, 'CONFIRMED', NULL, accepted_at FROM o`,
        [n],
      );
      await client.query("COMMIT");
      process.stderr.write(`  prefill: ${done + n} / ${count} orders\n`);
    }
  } finally {
    await client.end();
  }
}
