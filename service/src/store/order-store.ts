/**
 * The API's view of the system of record (OrderStore) over Kysely: reads of orders with their items and
 * history, keyset-paginated listings, cancellation, the catalog and stored idempotent responses.
 */
import { Kysely, sql, type Transaction } from "kysely";
import type { DatabaseConfig } from "../config.js";
import type { DbEngine } from "../contract.js";
import { canonicalOrderId } from "../orders/accept.js";
import { quantitiesBySku } from "../orders/decide.js";
import { canTransition, INITIAL_STATUS, sourcesOf } from "../orders/state-machine.js";
import type { OrderStatus, OrderView, Product, RejectionReason } from "../orders/types.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { createDatabase, createManagedDialect } from "./database.js";
import { classifyStorageError, dialectOf, type SqlDialect } from "./dialect/index.js";
import { cachedCheck, FRESH_CONNECTION_CHECK_MS } from "./fresh-connection-check.js";
import { OrderIdClaimer } from "./order-id-claimer.js";
import type { Database, OrderRow } from "./schema.js";
import { adjustStock, lockProducts } from "./stock.js";
import { withTransaction } from "./transaction.js";
import type { CancelResult, IdempotencyRecord, OrderPage, OrderQuery, OrderStore } from "./types.js";

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

type Reader = Kysely<Database> | Transaction<Database>;

const IDEMPOTENCY_COLUMNS = [
  { name: "scope", pgType: "varchar" },
  { name: "idem_key", pgType: "varchar" },
  { name: "request_hash", pgType: "varchar" },
  { name: "status_code", pgType: "int2" },
  { name: "body", pgType: "jsonb" },
  { name: "headers", pgType: "jsonb" },
] as const;

/**
 * Orders stored and not yet decided: rows still in the lifecycle's initial status. In table mode that
 * is every order accepted and not decided (the queue depth the pending-orders metric reports).
 */
export async function pendingOrderCount(db: Reader): Promise<number> {
  const row = await db
    .selectFrom("orders")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", INITIAL_STATUS)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Loads full views (items, history) for order rows, keeping the rows' order. */
async function toViews(db: Reader, rows: OrderRow[]): Promise<OrderView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.order_id);
  const [items, history] = await Promise.all([
    db
      .selectFrom("order_items")
      .select(["order_id", "sku", "quantity", "unit_price", "line_total"])
      .where(dialectOf(db).inList("order_id", ids, "uuid"))
      .orderBy("order_id")
      .orderBy("line_no")
      .execute(),
    db
      .selectFrom("order_status_history")
      .select(["order_id", "status", "reason", "at"])
      .where(dialectOf(db).inList("order_id", ids, "uuid"))
      .orderBy("order_id")
      .orderBy("seq")
      .execute(),
  ]);
  const views = new Map<string, OrderView>(
    rows.map((r) => [
      r.order_id,
      {
        orderId: r.order_id,
        customerId: r.customer_id,
        status: r.status,
        currency: r.currency,
        items: [],
        total: r.total,
        ...(r.rejection_reason ? { rejectionReason: r.rejection_reason } : {}),
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
        history: [],
      },
    ]),
  );
  for (const i of items) {
    views.get(i.order_id)?.items.push({
      sku: i.sku,
      quantity: i.quantity,
      unitPrice: i.unit_price,
      lineTotal: i.line_total,
    });
  }
  for (const h of history) {
    views.get(h.order_id)?.history.push({
      status: h.status,
      at: h.at.toISOString(),
      ...(h.reason ? { reason: h.reason as RejectionReason } : {}),
    });
  }
  return rows.map((r) => views.get(r.order_id)!);
}

function parseJson<T>(value: unknown): T {
  // PostgreSQL jsonb and MySQL JSON arrive parsed; MariaDB's JSON is LONGTEXT and arrives as text.
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export interface SqlOrderStoreOptions {
  /** A read-only connection (Aurora reader endpoint) for listings; defaults to `db`. */
  reader?: Kysely<Database>;
  /** Destroy the connection pools on close() (true when the store created them). */
  ownsConnections?: boolean;
  /** Opens a connection outside the pool, so readiness sees refused credentials (see checkReady). */
  freshConnectionCheck?: () => Promise<void>;
}

export class SqlOrderStore implements OrderStore {
  readonly engine: DbEngine;
  private readonly dialect: SqlDialect;
  private readonly reader: Kysely<Database>;
  private claimer: OrderIdClaimer | undefined;

  constructor(
    readonly db: Kysely<Database>,
    private readonly options: SqlOrderStoreOptions = {},
  ) {
    this.dialect = dialectOf(db);
    this.engine = this.dialect.engine;
    this.reader = options.reader ?? db;
  }

  async getOrder(orderId: string): Promise<OrderView | undefined> {
    // Not a UUID → cannot exist (and PostgreSQL would reject the comparison with a uuid column).
    if (!UUID.test(orderId)) return undefined;
    const row = await this.db
      .selectFrom("orders")
      .selectAll()
      .where("order_id", "=", canonicalOrderId(orderId))
      .executeTakeFirst();
    if (!row) return undefined;
    const [view] = await toViews(this.db, [row]);
    return view;
  }

  /**
   * Newest first: ordered by (created_at DESC, order_id ASC), the order of the
   * (customer_id, created_at desc, order_id) index, and continued after the cursor's row. Reads the
   * reader endpoint: a listing may lag the writer by the replica lag, a single-order read never does.
   */
  async listOrders(query: OrderQuery): Promise<OrderPage> {
    const limit = Math.min(Math.max(Math.trunc(query.limit), 1), 100);
    let select = this.reader.selectFrom("orders").selectAll();
    if (query.customerId !== undefined) select = select.where("customer_id", "=", query.customerId);
    if (query.status !== undefined) select = select.where("status", "=", query.status);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      select = select.where((eb) =>
        eb.or([
          eb("created_at", "<", after.createdAt),
          eb.and([eb("created_at", "=", after.createdAt), eb("order_id", ">", after.orderId)]),
        ]),
      );
    }
    const rows = await select
      .orderBy("created_at", "desc")
      .orderBy("order_id", "asc")
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      orders: await toViews(this.reader, page),
      ...(rows.length > limit && last
        ? { nextCursor: encodeCursor({ createdAt: last.created_at, orderId: last.order_id }) }
        : {}),
    };
  }

  /**
   * CONFIRMED → CANCELLED and the reserved units back on the shelf, in one transaction. Locks the
   * products first, in sku order, then the order row — the order applyOrders locks them in — so a
   * cancellation and a batch never deadlock; re-checking the status under the row lock makes a second
   * (or concurrent) cancellation an invalid_state instead of a second release.
   */
  async cancelOrder(orderId: string, at: Date): Promise<CancelResult> {
    if (!UUID.test(orderId)) return { kind: "not_found" };
    const id = canonicalOrderId(orderId);
    return withTransaction(this.db, async (trx): Promise<CancelResult> => {
      // Items never change once an order is decided, so reading them before the locks is safe.
      const items = await trx
        .selectFrom("order_items")
        .select(["sku", "quantity"])
        .where("order_id", "=", id)
        .execute();
      await lockProducts(
        trx,
        items.map((i) => i.sku),
      );
      const order = await trx
        .selectFrom("orders")
        .select(["status"])
        .where("order_id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!order) return { kind: "not_found" };
      if (!canTransition(order.status, "CANCELLED")) return { kind: "invalid_state", status: order.status };

      await adjustStock(trx, quantitiesBySku(items), at);
      await trx
        .updateTable("orders")
        .set({ status: "CANCELLED" satisfies OrderStatus, updated_at: at })
        .where("order_id", "=", id)
        .where("status", "in", sourcesOf("CANCELLED"))
        .execute();
      const { seq } = await trx
        .selectFrom("order_status_history")
        .select((eb) => eb.fn.max<number>("seq").as("seq"))
        .where("order_id", "=", id)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("order_status_history")
        .values({ order_id: id, seq: Number(seq ?? 0) + 1, status: "CANCELLED", reason: null, at })
        .execute();
      const row = await trx
        .selectFrom("orders")
        .selectAll()
        .where("order_id", "=", id)
        .executeTakeFirstOrThrow();
      const [view] = await toViews(trx, [row]);
      return { kind: "cancelled", order: view! };
    });
  }

  /** Creates or replaces a product (stock is set, not added). */
  async putProduct(product: Product): Promise<Product> {
    const now = new Date();
    const values = {
      sku: product.sku,
      name: product.name,
      unit_price: product.unitPrice,
      currency: product.currency,
      stock: product.stock,
      updated_at: now,
    };
    const update = {
      name: product.name,
      unit_price: product.unitPrice,
      currency: product.currency,
      stock: product.stock,
      updated_at: now,
    };
    await this.dialect.upsert(this.db, "products", ["sku"], values, update);
    return { ...product };
  }

  async getProduct(sku: string): Promise<Product | undefined> {
    const row = await this.db.selectFrom("products").selectAll().where("sku", "=", sku).executeTakeFirst();
    return row
      ? { sku: row.sku, name: row.name, unitPrice: row.unit_price, currency: row.currency, stock: row.stock }
      : undefined;
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.db
      .selectFrom("idempotency_keys")
      .select(["request_hash", "status_code", "body", "headers"])
      .where("scope", "=", scope)
      .where("idem_key", "=", key)
      .executeTakeFirst();
    return row
      ? {
          requestHash: row.request_hash,
          statusCode: row.status_code,
          body: parseJson(row.body),
          headers: parseJson<Record<string, string>>(row.headers),
        }
      : undefined;
  }

  /** Stores the response once; false when another request stored (scope, key) first. */
  async putIdempotency(scope: string, key: string, record: IdempotencyRecord): Promise<boolean> {
    try {
      const inserted = await this.dialect.insertIfAbsent(this.db, {
        table: "idempotency_keys",
        keys: ["scope", "idem_key"],
        columns: IDEMPOTENCY_COLUMNS,
        rows: [
          [
            scope,
            key,
            record.requestHash,
            record.statusCode,
            JSON.stringify(record.body ?? null),
            JSON.stringify(record.headers),
          ],
        ],
      });
      return inserted.length > 0;
    } catch (error) {
      // A concurrent request stored the same key between the check and the insert.
      if (classifyStorageError(error) === "duplicate") return false;
      throw error;
    }
  }

  /** Deletes stored responses older than `before`; returns how many. */
  async purgeIdempotency(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom("idempotency_keys")
      .where("created_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  pendingOrderCount(): Promise<number> {
    return pendingOrderCount(this.db);
  }

  /** Claims of concurrent requests share one set-based claim (see order-id-claimer.ts). */
  claimOrderId(orderId: string, customerId: string): Promise<boolean> {
    this.claimer ??= new OrderIdClaimer(this.db);
    return this.claimer.claim(orderId, customerId);
  }

  async checkReady(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
      // Pooled connections outlive a password change; a new one shows whether the database still
      // accepts the credentials the next connection will use.
      await this.options.freshConnectionCheck?.();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`database (${this.engine}) unreachable: ${reason}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.claimer?.close();
    if (!this.options.ownsConnections) return;
    await Promise.all([
      this.db.destroy(),
      this.options.reader && this.options.reader !== this.db ? this.options.reader.destroy() : undefined,
    ]);
  }
}

/** A store with its own pools: the writer, and a reader pool when a separate reader endpoint is set. */
export function createOrderStore(config: DatabaseConfig): SqlOrderStore {
  const writer = createManagedDialect(config);
  const db = new Kysely<Database>({ dialect: writer.dialect });
  const reader = config.readerUrl !== config.url ? createDatabase(config, { reader: true }) : undefined;
  return new SqlOrderStore(db, {
    reader,
    ownsConnections: true,
    freshConnectionCheck: cachedCheck(writer.checkFreshConnection, FRESH_CONNECTION_CHECK_MS),
  });
}
