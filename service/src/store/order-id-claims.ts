/**
 * Ownership of client-chosen order ids. The API claims the id for the order's customer before it
 * hands the order to the intake; only the first customer's claim holds. Server-generated ids (random,
 * or derived from the caller's idempotency key) need no claim: no other caller can produce them.
 *
 * An id is the customer's when its claim names them, or — for orders stored before claims existed,
 * or put on the stream by another producer — when the stored order does.
 */
import type { Kysely } from "kysely";
import { engineOf } from "./database.js";
import type { Database } from "./schema.js";

type ClaimTables = {
  order_id_claims: { order_id: string; customer_id: string; claimed_at: Date };
};

/** True when `orderId` is `customerId`'s (claimed now, or earlier by them); false when another's. */
export async function claimOrderId(
  db: Kysely<Database>,
  orderId: string,
  customerId: string,
  now = new Date(),
): Promise<boolean> {
  const stored = await db
    .selectFrom("orders")
    .select("customer_id")
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  if (stored) return stored.customer_id === customerId;
  const claims = db.withTables<ClaimTables>();
  const insert = claims
    .insertInto("order_id_claims")
    .values({ order_id: orderId, customer_id: customerId, claimed_at: now });
  // The loser of two concurrent claims inserts nothing and reads the winner's row below.
  if (engineOf(db) === "postgres")
    await insert.onConflict((oc) => oc.column("order_id").doNothing()).execute();
  else await insert.ignore().execute();
  const claim = await claims
    .selectFrom("order_id_claims")
    .select("customer_id")
    .where("order_id", "=", orderId)
    .executeTakeFirstOrThrow();
  return claim.customer_id === customerId;
}
