/**
 * Ownership of client-chosen order ids. The API claims the id for the order's customer before it
 * hands the order to the intake; only the first customer's claim holds. Server-generated ids (random,
 * or derived from the caller's idempotency key) need no claim: no other caller can produce them.
 *
 * An id is the customer's when its claim names them, or — for orders stored before claims existed,
 * or put on the stream by another producer — when the stored order does.
 */
import type { Kysely } from "kysely";
import { classifyStorageError, dialectOf } from "./dialect/index.js";
import type { Database } from "./schema.js";

type ClaimTables = {
  order_id_claims: { order_id: string; customer_id: string; claimed_at: Date };
};

const CLAIM_COLUMNS = [
  { name: "order_id", pgType: "uuid" },
  { name: "customer_id", pgType: "varchar" },
  { name: "claimed_at", pgType: "timestamptz" },
] as const;

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
  // The loser of two concurrent claims inserts nothing (or, on MySQL, fails with a duplicate key)
  // and reads the winner's row below.
  try {
    await dialectOf(db).insertIfAbsent(db, {
      table: "order_id_claims",
      keys: ["order_id"],
      columns: CLAIM_COLUMNS,
      rows: [[orderId, customerId, now]],
    });
  } catch (error) {
    if (classifyStorageError(error) !== "duplicate") throw error;
  }
  const claim = await db
    .withTables<ClaimTables>()
    .selectFrom("order_id_claims")
    .select("customer_id")
    .where("order_id", "=", orderId)
    .executeTakeFirstOrThrow();
  return claim.customer_id === customerId;
}
