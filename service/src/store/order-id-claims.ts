/**
 * Ownership of client-chosen order ids. The API claims the id for the order's customer before it
 * hands the order to the intake; only the first customer's claim holds. Server-generated ids (random,
 * or derived from the caller's idempotency key) need no claim: no other caller can produce them.
 *
 * An id is the customer's when its claim names them, or — for orders stored before claims existed,
 * or put on the stream by another producer — when the stored order does.
 *
 * Claims are set-based: `claimOrderIds` settles any number of ids in one round trip (insert the
 * claims not yet held and read what the orders and the claims hold: one statement on PostgreSQL,
 * two side by side on MySQL), so the API's claimer (order-id-claimer.ts)
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
  /** The order id; ids compare case-insensitively (UUIDs), owners are keyed by the lower-case form. */
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
  const firstClaimant = new Map<string, string>();
  for (const claim of claims) {
    const id = claim.orderId.toLowerCase();
    if (!firstClaimant.has(id)) firstClaimant.set(id, claim.customerId);
  }
  let unsettled = [...firstClaimant.keys()];
  for (let round = 1; unsettled.length > 0; round++) {
    // The insert and the read go together (one round trip): neither needs the other's answer,
    // because a stored order takes precedence over any claim, so a claim inserted for an id that
    // already has an order changes nothing.
    const { held, inserted } = await claimAndRead(
      db,
      unsettled.map((id) => [id, firstClaimant.get(id), now]),
    );
    for (const id of inserted) {
      const key = id.toLowerCase();
      owners.set(key, held.orders.get(key) ?? firstClaimant.get(key)!);
    }
    for (const [id, owner] of [...held.orders, ...held.claims]) if (!owners.has(id)) owners.set(id, owner);
    // Left: ids a concurrent claim took after this read looked; the next round's read sees it.
    unsettled = unsettled.filter((id) => !owners.has(id));
    if (unsettled.length > 0 && round >= MAX_CLAIM_ROUNDS) {
      throw new Error(`order id claims not settled after ${round} rounds: ${unsettled.join(", ")}`);
    }
  }
  return owners;
}

/**
 * Inserts the claims whose id has none yet and reads what the orders and the claims held, in one
 * round trip (see insertIfAbsentBeside). The loser of a race with a concurrent claim inserts nothing
 * (or, on MySQL, fails with a duplicate key: then nothing of this call counts as inserted) and reads
 * the winner's claim in the next round.
 */
async function claimAndRead(
  db: Kysely<Database>,
  rows: readonly (readonly unknown[])[],
): Promise<{ held: { orders: Map<string, string>; claims: Map<string, string> }; inserted: string[] }> {
  const dialect = dialectOf(db);
  const ids = rows.map((row) => row[0]);
  const read = db
    .selectFrom("orders")
    .select(["order_id", "customer_id", sql<string>`'order'`.as("source")])
    .where(dialect.inList("order_id", ids, "uuid"))
    .unionAll(
      db
        .withTables<ClaimTables>()
        .selectFrom("order_id_claims")
        .select(["order_id", "customer_id", sql<string>`'claim'`.as("source")])
        .where(dialect.inList("order_id", ids, "uuid")),
    );
  let result: { inserted: string[]; rows: { order_id: string; customer_id: string; source: string }[] };
  try {
    result = await dialect.insertIfAbsentBeside(
      db,
      { table: "order_id_claims", keys: ["order_id"], columns: CLAIM_COLUMNS, rows },
      read,
    );
  } catch (error) {
    if (classifyStorageError(error) !== "duplicate") throw error;
    return { held: { orders: new Map(), claims: new Map() }, inserted: [] };
  }
  const orders = new Map<string, string>();
  const claims = new Map<string, string>();
  for (const row of result.rows) {
    (row.source === "order" ? orders : claims).set(String(row.order_id).toLowerCase(), row.customer_id);
  }
  return { held: { orders, claims }, inserted: result.inserted };
}

/** True when `orderId` is `customerId`'s (claimed now, or earlier by them); false when another's. */
export async function claimOrderId(
  db: Kysely<Database>,
  orderId: string,
  customerId: string,
  now = new Date(),
): Promise<boolean> {
  const owners = await claimOrderIds(db, [{ orderId, customerId }], now);
  return owners.get(orderId.toLowerCase()) === customerId;
}
