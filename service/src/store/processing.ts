/**
 * The processing core shared by both intake modes: decide a batch of accepted orders and write the
 * result, inside a transaction the caller owns — so the stream worker commits its shard checkpoint,
 * and the table worker its claim, atomically with the orders.
 *
 * Idempotent by construction: an order whose row already holds a decision is left alone and reported
 * with `applied: false` (a replayed batch or a producer's duplicate record changes nothing); an order
 * whose row is PENDING (written by the API in table mode) is decided in place.
 *
 * Concurrency: the product rows a batch touches are locked with SELECT … FOR UPDATE in sku order, so
 * two workers wait for each other instead of deadlocking, and each decides against the stock the
 * other committed. The order rows are locked after the products (cancelOrder uses the same order).
 * Requires READ COMMITTED (see withTransaction): each statement must see what committed meanwhile.
 */
import type { Transaction } from "kysely";
import { canonicalOrderId } from "../orders/accept.js";
import { type DecidedOrder, decideOrders } from "../orders/decide.js";
import { assertTransition, INITIAL_STATUS, UNDECIDED_STATUSES } from "../orders/state-machine.js";
import type { AcceptedOrder, OrderDecision, OrderStatus, RejectionReason } from "../orders/types.js";
import { ORDER_COLUMNS, ORDER_ITEM_COLUMNS, STATUS_HISTORY_COLUMNS } from "./columns.js";
import { dialectOf } from "./dialect/index.js";
import type { Database } from "./schema.js";
import { adjustStock, lockProducts } from "./stock.js";

export interface ApplyOptions {
  /**
   * Every order of the batch is a PENDING row this transaction already locked (the table worker's
   * claim), written by the API with its one history entry: skip reading and locking them again.
   */
  claimedPending?: boolean;
}

interface ExistingOrder {
  status: OrderStatus;
  customerId: string;
  reason: RejectionReason | null;
  total: number;
  lastSeq: number;
  decidedAt?: Date;
}

/**
 * The first occurrence of each order id, in input order, with the id in canonical (lower-case) form:
 * the database compares UUIDs case-insensitively, so the batch must too.
 */
function distinctById(orders: readonly AcceptedOrder[]): AcceptedOrder[] {
  const byId = new Map<string, AcceptedOrder>();
  for (const order of orders) {
    const orderId = canonicalOrderId(order.orderId);
    if (!byId.has(orderId)) byId.set(orderId, orderId === order.orderId ? order : { ...order, orderId });
  }
  return [...byId.values()];
}

/**
 * Decides and stores `orders` inside `trx`. Returns one decision per distinct order id, in input order
 * (duplicates within the batch after the first are dropped; ids are returned in lower case). `now` is the decision time written to
 * the rows and history.
 */
export async function applyOrders(
  trx: Transaction<Database>,
  orders: readonly AcceptedOrder[],
  now: Date,
  options: ApplyOptions = {},
): Promise<OrderDecision[]> {
  const batch = distinctById(orders);
  if (batch.length === 0) return [];

  const catalog = await lockProducts(
    trx,
    batch.flatMap((o) => o.items.map((i) => i.sku)),
  );
  const existing = options.claimedPending
    ? claimedRows(batch)
    : await lockExistingOrders(
        trx,
        batch.map((o) => o.orderId),
      );

  const toDecide = batch.filter((order) => isUndecided(existing.get(order.orderId)));
  const outcome = decideOrders(toDecide, catalog);
  const decidedById = new Map(
    outcome.decisions.map((d, i) => [d.orderId, { decided: d, order: toDecide[i]! }]),
  );

  await adjustStock(trx, new Map([...outcome.reserved].map(([sku, units]) => [sku, -units])), now);
  await writeDecisions(trx, [...decidedById.values()], existing, now);

  const decidedAt = now.toISOString();
  return batch.map((order): OrderDecision => {
    const fresh = decidedById.get(order.orderId);
    if (fresh) {
      const { decided } = fresh;
      return {
        orderId: order.orderId,
        customerId: order.customerId,
        status: decided.status,
        ...(decided.status === "REJECTED" ? { reason: decided.reason } : {}),
        total: decided.total,
        applied: true,
        decidedAt,
      };
    }
    const stored = existing.get(order.orderId)!;
    return {
      orderId: order.orderId,
      customerId: stored.customerId,
      // A cancelled order was confirmed first: that is the decision the batch made.
      status: stored.status === "REJECTED" ? "REJECTED" : "CONFIRMED",
      ...(stored.reason ? { reason: stored.reason } : {}),
      total: stored.total,
      applied: false,
      decidedAt: (stored.decidedAt ?? now).toISOString(),
    };
  });
}

/**
 * The order's acceptance time; `now` if the producer sent something that is not a time (the record
 * validator refuses those, but one bad record must never make the whole batch fail on every replay).
 */
function acceptedTime(order: AcceptedOrder, now: Date): Date {
  const at = new Date(order.acceptedAt);
  return Number.isNaN(at.getTime()) ? now : at;
}

function isUndecided(existing: ExistingOrder | undefined): boolean {
  return existing === undefined || UNDECIDED_STATUSES.includes(existing.status);
}

/**
 * Rows the caller claimed in this transaction (table mode's FOR UPDATE SKIP LOCKED): they are locked,
 * PENDING, and hold exactly the history entry the API wrote, so reading and locking them again would
 * only repeat the claim.
 */
function claimedRows(batch: readonly AcceptedOrder[]): Map<string, ExistingOrder> {
  return new Map(
    batch.map((order) => [
      order.orderId,
      { status: INITIAL_STATUS, customerId: order.customerId, reason: null, total: 0, lastSeq: 1 },
    ]),
  );
}

/** Reads (and locks) the rows of orders in the batch that are already stored. */
async function lockExistingOrders(trx: Transaction<Database>, orderIds: string[]) {
  const rows = await trx
    .selectFrom("orders")
    .select(["order_id", "customer_id", "status", "rejection_reason", "total"])
    .where(dialectOf(trx).inList("order_id", orderIds, "uuid"))
    .orderBy("order_id")
    .forUpdate()
    .execute();
  const existing = new Map<string, ExistingOrder>();
  if (rows.length === 0) return existing;
  for (const r of rows) {
    existing.set(r.order_id, {
      status: r.status,
      customerId: r.customer_id,
      reason: r.rejection_reason,
      total: r.total,
      lastSeq: 0,
    });
  }
  // Sequence numbers (a PENDING row gets the next one) and the time of the stored decision.
  const history = await trx
    .selectFrom("order_status_history")
    .select(["order_id", "seq", "status", "at"])
    .where(
      dialectOf(trx).inList(
        "order_id",
        rows.map((r) => r.order_id),
        "uuid",
      ),
    )
    .execute();
  for (const h of history) {
    const entry = existing.get(h.order_id);
    if (!entry) continue;
    entry.lastSeq = Math.max(entry.lastSeq, h.seq);
    if (h.status === "CONFIRMED" || h.status === "REJECTED") entry.decidedAt = h.at;
  }
  return existing;
}

/** Writes order rows (new or updated in place), priced items and status history. */
async function writeDecisions(
  trx: Transaction<Database>,
  decided: { decided: DecidedOrder; order: AcceptedOrder }[],
  existing: Map<string, ExistingOrder>,
  now: Date,
) {
  if (decided.length === 0) return;
  const fresh = decided.filter(({ order }) => !existing.has(order.orderId));
  const pending = decided.filter(({ order }) => existing.has(order.orderId));

  const dialect = dialectOf(trx);
  await dialect.insertRows(
    trx,
    "orders",
    ORDER_COLUMNS,
    fresh.map(({ decided: d, order }) => {
      const acceptedAt = acceptedTime(order, now);
      return [
        order.orderId,
        order.customerId,
        order.currency,
        d.status,
        d.status === "REJECTED" ? d.reason : null,
        d.total,
        acceptedAt,
        acceptedAt,
        now,
      ];
    }),
  );
  if (pending.length > 0) {
    await updatePendingOrders(trx, pending, now);
    // The API wrote the items unpriced; replace them with the priced lines.
    await trx
      .deleteFrom("order_items")
      .where(
        dialectOf(trx).inList(
          "order_id",
          pending.map(({ order }) => order.orderId),
          "uuid",
        ),
      )
      .execute();
  }
  await dialect.insertRows(
    trx,
    "order_items",
    ORDER_ITEM_COLUMNS,
    decided.flatMap(({ decided: d }) =>
      d.lines.map((line, i) => [d.orderId, i + 1, line.sku, line.quantity, line.unitPrice, line.lineTotal]),
    ),
  );
  const history: unknown[][] = [];
  for (const { decided: d, order } of decided) {
    const stored = existing.get(order.orderId);
    let seq = stored?.lastSeq ?? 0;
    assertTransition(stored?.status ?? INITIAL_STATUS, d.status);
    if (!stored) history.push([d.orderId, ++seq, INITIAL_STATUS, null, acceptedTime(order, now)]);
    history.push([d.orderId, ++seq, d.status, d.status === "REJECTED" ? d.reason : null, now]);
  }
  await dialect.insertRows(trx, "order_status_history", STATUS_HISTORY_COLUMNS, history);
}

/** PENDING rows (written by the API in table mode) take their decision in place, guarded by the lifecycle. */
async function updatePendingOrders(
  trx: Transaction<Database>,
  pending: { decided: DecidedOrder }[],
  now: Date,
) {
  await dialectOf(trx).updateRows(trx, {
    table: "orders",
    key: { name: "order_id", pgType: "uuid" },
    columns: [
      { name: "status", pgType: "varchar" },
      { name: "rejection_reason", pgType: "varchar" },
      { name: "total", pgType: "int8" },
    ],
    rows: pending.map(({ decided }) => [
      decided.orderId,
      decided.status,
      decided.status === "REJECTED" ? decided.reason : null,
      decided.total,
    ]),
    constant: { updated_at: now },
    guard: { column: "status", values: UNDECIDED_STATUSES },
  });
}
