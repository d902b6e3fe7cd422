/**
 * A session killed under an open transaction (a credential rotation ends the application user's
 * sessions) must read as an outage on both engines, so the table intake rides it out instead of
 * answering 503. The error that reaches the caller is not the session's own: Kysely then sends
 * ROLLBACK on the dead connection, and that failure (pg: "Client has encountered a connection
 * error…", mysql2: "Can't add new command when connection is in closed state") replaces it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import type { DbEngine } from "../src/contract.js";
import { classifyStorageError } from "../src/store/dialect/index.js";
import { withTransaction } from "../src/store/transaction.js";
import { ENGINES, type MigratedDatabase, migratedDatabase } from "./store-helpers.js";
import { perSuite } from "./support/per-suite.js";

async function killSession(admin: MigratedDatabase["db"], engine: DbEngine, id: number): Promise<void> {
  if (engine === "postgres") await sql`select pg_terminate_backend(${id})`.execute(admin);
  else await sql.raw(`KILL CONNECTION ${Number(id)}`).execute(admin);
}

for (const { engine, skip } of ENGINES) {
  describe(`killed session on ${engine}`, { skip }, () => {
    const m = perSuite(() => migratedDatabase(`killed_${engine}`, 2, engine));
    const admin = perSuite(() => migratedDatabase(`killed_admin_${engine}`, 1, engine));

    test("the transaction's error, after Kysely's ROLLBACK on the dead connection, is an outage", async () => {
      const failure = await withTransaction(m.db, async (trx) => {
        const idQuery =
          engine === "postgres"
            ? sql<{ id: number }>`select pg_backend_pid() as id`
            : sql<{ id: number }>`select connection_id() as id`;
        const { rows } = await idQuery.execute(trx);
        await killSession(admin.db, engine, Number(rows[0]!.id));
        // Let the driver see the socket close before the next statement, as a busy batch does.
        await sleep(300);
        await sql`select 1`.execute(trx);
      }).then(
        () => assert.fail("the statement on the killed session succeeded"),
        (error: unknown) => error,
      );
      assert.equal(
        classifyStorageError(failure),
        "outage",
        `not an outage: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
      // The pool replaces the dead connection by itself.
      let recovered = false;
      for (let i = 0; i < 20 && !recovered; i++) {
        recovered = await sql`select 1`.execute(m.db).then(
          () => true,
          () => false,
        );
        if (!recovered) await sleep(100);
      }
      assert.ok(recovered, "the pool serves queries again");
    });
  });
}
