/**
 * A PostgreSQL connection that dies while a query runs on it (RDS failover, a restart,
 * pg_terminate_backend) must fail that query, not the process: pg emits 'error' on the checked-out
 * client, and without a listener that is an uncaught exception (it crashed `fastcart local` in bench
 * runs when the database went away). If this regresses, this test file's process dies.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { createDatabase } from "../src/store/database.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase("connection_loss");
});
after(async () => {
  await database?.drop();
});

test("a connection terminated mid-transaction fails the transaction, the process survives and the pool recovers", async () => {
  const config = {
    engine: "postgres" as const,
    url: database.url,
    readerUrl: database.url,
    tls: false,
    poolMax: 2,
  };
  const db = createDatabase(config);
  const killer = createDatabase({ ...config, poolMax: 1 });
  try {
    // In a transaction, as the workers run their batches: the client stays checked out across
    // statements, so the connection's 'error' arrives while no pool listener is attached.
    const victim = db.transaction().execute(async (trx) => {
      await sql`select pg_sleep(5)`.execute(trx);
    });
    // Find the backend running the sleep, then terminate it.
    let pid: number | undefined;
    for (let i = 0; i < 50 && pid === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await sql<{ pid: number }>`
        select pid from pg_stat_activity
        where datname = current_database() and query like '%pg_sleep(5)%' and pid <> pg_backend_pid()`.execute(
        killer,
      );
      pid = rows.rows[0]?.pid;
    }
    assert.ok(pid, "the sleeping query is visible in pg_stat_activity");
    await sql`select pg_terminate_backend(${pid})`.execute(killer);
    await assert.rejects(victim, /terminat/i, "the transaction fails with the connection's error");

    // Give the client's socket time to close; the pool then discards it. A query may still meet the
    // dying connection once (pg learns of the close after the error message); after that it recovers.
    let recovered = false;
    for (let attempt = 0; attempt < 5 && !recovered; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      recovered = await sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
    }
    assert.ok(recovered, "the pool serves queries again");
  } finally {
    await db.destroy();
    await killer.destroy();
  }
});
