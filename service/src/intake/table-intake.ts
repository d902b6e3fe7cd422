/**
 * Table-mode intake (stack orders-api-prod, which has no stream): the API writes each accepted order
 * as a PENDING row — order, items and first history entry in one transaction — and `work` claims the
 * rows (table-worker.ts). `submit` resolves after the COMMIT, so a 202 is only answered for an order
 * that is durable; a retried submission of the same order id is a no-op that resolves too.
 */
import { type Kysely, sql } from "kysely";
import type { AcceptedOrder } from "../orders/types.js";
import { engineOf } from "../store/database.js";
import { insertPendingOrder } from "../store/pending.js";
import type { Database } from "../store/schema.js";
import type { OrderIntake } from "./types.js";

export class TableOrderIntake implements OrderIntake {
  readonly mode = "table" as const;

  /** `db` is the writer pool; it belongs to the caller (the runtime closes it), not to the intake. */
  constructor(private readonly db: Kysely<Database>) {}

  async submit(order: AcceptedOrder): Promise<void> {
    // false means the order id was already stored (a client retry): the first submission stands.
    await insertPendingOrder(this.db, order);
  }

  async checkReady(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`order table (${engineOf(this.db)}) unreachable: ${reason}`, { cause: error });
    }
  }

  /** Nothing is buffered: every submission committed before it resolved. */
  async close(): Promise<void> {}
}
