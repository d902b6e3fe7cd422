/**
 * Ownership of client-chosen order ids. The API claims the id for the order's customer before it
 * hands the order to the intake; only the first customer's claim holds. Server-generated ids (random,
 * or derived from the caller's idempotency key) need no claim: no other caller can produce them.
 *
 * An id is the customer's when its claim names them, or — for orders stored before claims existed,
 * or put on the stream by another producer — when the stored order does.
 *
 * Claims are set-based: `claimOrderIds` settles any number of ids in two statements (read what
 * the orders and the claims hold, insert the missing claims), so the API's claimer (order-id-claimer.ts)
 * can group the claims of concurrent requests instead of paying three round trips per order.
 */
import { type Kysely, sql } from "kysely";
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

/** A lost race of two concurrent inserts is settled by reading the winner's row; this bounds the rounds. */
const MAX_CLAIM_ROUNDS = 3;

export interface OrderIdClaim {
  /** Canonical (lower-case) order id. */
  readonly orderId: string;
  readonly customerId: string;
}

/**
 * The owner of each claimed id (keyed by canonical id): the stored order's customer, else the claim
 * that holds, which is the first claimant's — of an earlier call, or of this call's first entry for
 * the id. A caller owns its id when the owner is its customer.
 */
export async function claimOrderIds(
  db: Kysely<Database>,
  claims: readonly OrderIdClaim[],
  now = new Date(),
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (claims.length === 0) return owners;
  const dialect = dialectOf(db);
  const firstClaimant = new Map<string, string>();
  for (const claim of claims) {
    if (!firstClaimant.has(claim.orderId)) firstClaimant.set(claim.orderId, claim.customerId);
  }
  let unsettled = [...firstClaimant.keys()];
  for (let round = 1; unsettled.length > 0; round++) {
    // What is stored already: the order's customer (another producer's order, or one stored before
    // claims existed) takes precedence over a claim.
    const held = await db
      .selectFrom("orders")
      .select(["order_id", "customer_id", sql<number>`0`.as("precedence")])
      .where(dialect.inList("order_id", unsettled, "uuid"))
      .unionAll(
        db
          .withTables<ClaimTables>()
          .selectFrom("order_id_claims")
          .select(["order_id", "customer_id", sql<number>`1`.as("precedence")])
          .where(dialect.inList("order_id", unsettled, "uuid")),
      )
      .execute();
    for (const row of held.sort((a, b) => Number(a.precedence) - Number(b.precedence))) {
      const id = String(row.order_id).toLowerCase();
      if (!owners.has(id)) owners.set(id, row.customer_id);
    }
    unsettled = unsettled.filter((id) => !owners.has(id));
    if (unsettled.length === 0) break;
    // The rest are claimed by their first claimant unless a concurrent claim got there first: that
    // loser inserts nothing (or, on MySQL, fails with a duplicate key) and reads the winner's row in
    // the next round.
    try {
      const inserted = await dialect.insertIfAbsent(db, {
        table: "order_id_claims",
        keys: ["order_id"],
        columns: CLAIM_COLUMNS,
        rows: unsettled.map((id) => [id, firstClaimant.get(id), now]),
      });
      for (const id of inserted) owners.set(id.toLowerCase(), firstClaimant.get(id.toLowerCase())!);
    } catch (error) {
      if (classifyStorageError(error) !== "duplicate") throw error;
    }
    unsettled = unsettled.filter((id) => !owners.has(id));
    if (unsettled.length > 0 && round >= MAX_CLAIM_ROUNDS) {
      throw new Error(`order id claims not settled after ${round} rounds: ${unsettled.join(", ")}`);
    }
  }
  return owners;
}

/** True when `orderId` is `customerId`'s (claimed now, or earlier by them); false when another's. */
export async function claimOrderId(
  db: Kysely<Database>,
  orderId: string,
  customerId: string,
  now = new Date(),
): Promise<boolean> {
  const owners = await claimOrderIds(db, [{ orderId, customerId }], now);
  return owners.get(orderId) === customerId;
}
