/**
 * The processing core shared by every intake mode: one database transaction per batch that decides
 * every order (`applyOrders`: locks the stock rows, writes orders, items and history, idempotently)
 * and writes the intake's own progress marker (`commitProgress`: the stream checkpoint, fenced by the
 * shard lease — or, in table mode, nothing more) — then, after the commit, refreshes the status cache
 * and counts the decisions.
 *
 * Because the progress marker commits with the decisions, a crash before the commit leaves neither
 * (the batch is read again and decided once), and a crash after it leaves both. A record seen twice
 * is a no-op in applyOrders (the order id is the primary key), so replays are harmless; applyOrders is
 * also the one place a batch is de-duplicated.
 */
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { CachedStatus, StatusCache } from "../cache/types.js";
import type { IntakeMetrics } from "../modes/types.js";
import { canonicalOrderId } from "../orders/accept.js";
import type { AcceptedOrder, OrderDecision, RejectionReason } from "../orders/types.js";
import { classifyStorageError } from "../store/dialect/index.js";
import type { ApplyOptions } from "../store/processing.js";
import type { Database } from "../store/schema.js";
import { withTransaction } from "../store/transaction.js";
import { type RetryPolicy, TRANSACTION_RETRY, withRetries } from "./retry.js";

/** The decision writer (store/processing.ts applyOrders): decides and writes a batch inside the given transaction. */
export type ApplyOrders = (
  trx: Transaction<Database>,
  orders: AcceptedOrder[],
  now: Date,
  options?: ApplyOptions,
) => Promise<OrderDecision[]>;

/** What a batch is, for the commit hook and logs. */
export interface BatchInfo {
  /** Where it came from, e.g. "stream:shardId-000000000000" or "table". */
  source: string;
  orders: readonly AcceptedOrder[];
  /** Records skipped as poison in this batch. */
  poison: number;
}

export interface BatchProcessorHooks {
  /**
   * TEST-ONLY fault injection: runs inside the transaction after every write and before COMMIT. A test
   * makes it throw to simulate a crash between processing and commit (the transaction rolls back).
   * Production code never sets it.
   */
  beforeCommit?: (batch: BatchInfo) => Promise<void>;
}

export interface BatchProcessorOptions {
  db: Kysely<Database>;
  applyOrders: ApplyOrders;
  cache: StatusCache;
  logger: Logger;
  metrics?: IntakeMetrics;
  /** Attempts of the whole transaction on deadlocks / serialization failures (default 3). */
  maxTransactionAttempts?: number;
  hooks?: BatchProcessorHooks;
  /** Clock for decision times (tests). */
  now?: () => Date;
}

export class OrderBatchProcessor {
  private readonly retry: RetryPolicy;
  private readonly now: () => Date;

  constructor(private readonly options: BatchProcessorOptions) {
    this.retry = {
      ...TRANSACTION_RETRY,
      maxAttempts: Math.max(1, options.maxTransactionAttempts ?? TRANSACTION_RETRY.maxAttempts),
    };
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Decides `batch.orders` and runs `commitProgress` in the same transaction, then refreshes the cache.
   * Throws (and commits nothing) when the transaction fails for good — e.g. LeaseLostError from a fenced
   * checkpoint — so the caller can replay or give up the source.
   */
  async process(
    batch: BatchInfo,
    commitProgress: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<OrderDecision[]> {
    const orders = [...batch.orders];
    const decisions = await this.inTransaction(batch.source, async (trx) => {
      const decided = orders.length > 0 ? await this.options.applyOrders(trx, orders, this.now()) : [];
      await commitProgress(trx);
      await this.options.hooks?.beforeCommit?.(batch);
      return decided;
    });
    this.report(orders, decisions);
    await this.refreshCache(decisions);
    return decisions;
  }

  /**
   * Table mode: `claim` runs inside the batch's transaction (e.g. SELECT … FOR UPDATE SKIP LOCKED), so
   * the claim, the decisions and the commit are one atomic step — a crash before the commit releases
   * the claimed rows, still PENDING, to any worker. A conflict retries the whole transaction, claim
   * included. Returns the orders claimed (empty when there was nothing to do) and their decisions.
   */
  async processClaimed(
    source: string,
    claim: (trx: Transaction<Database>) => Promise<AcceptedOrder[]>,
  ): Promise<{ orders: AcceptedOrder[]; decisions: OrderDecision[] }> {
    const result = await this.inTransaction(source, async (trx) => {
      const orders = await claim(trx);
      if (orders.length === 0) return { orders, decisions: [] };
      // The claim locked these PENDING rows already; applyOrders need not read them again.
      const decisions = await this.options.applyOrders(trx, orders, this.now(), { claimedPending: true });
      await this.options.hooks?.beforeCommit?.({ source, orders, poison: 0 });
      return { orders, decisions };
    });
    this.report(result.orders, result.decisions);
    await this.refreshCache(result.decisions);
    return result;
  }

  /** One READ COMMITTED transaction, run again (whole) on deadlocks and serialization failures. */
  private inTransaction<T>(source: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return withRetries(
      this.retry,
      (error) => classifyStorageError(error) === "retryable",
      () => withTransaction(this.options.db, work),
      (error, attempt) =>
        this.options.logger.warn({ err: error, attempt, source }, "batch transaction conflicted; retrying"),
    );
  }

  private report(orders: readonly AcceptedOrder[], decisions: OrderDecision[]): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    // Keyed by canonical id, as applyOrders reports them; the first record of a repeated id counts.
    const acceptedAt = new Map<string, string>();
    for (const order of orders) {
      const id = canonicalOrderId(order.orderId);
      if (!acceptedAt.has(id)) acceptedAt.set(id, order.acceptedAt);
    }
    let confirmed = 0;
    const rejected = new Map<RejectionReason | undefined, number>();
    for (const decision of decisions) {
      if (!decision.applied) continue; // decided by an earlier delivery: already counted then
      if (decision.status === "CONFIRMED") confirmed++;
      else rejected.set(decision.reason, (rejected.get(decision.reason) ?? 0) + 1);
      const accepted = Date.parse(acceptedAt.get(decision.orderId) ?? "");
      if (!Number.isNaN(accepted)) {
        metrics.processingLatency(Math.max(0, Date.parse(decision.decidedAt) - accepted) / 1000);
      }
    }
    if (confirmed > 0) metrics.ordersDecided("CONFIRMED", confirmed);
    for (const [reason, count] of rejected) metrics.ordersDecided("REJECTED", count, reason);
  }

  /** The cache is a cache: a failure here is logged and reads fall back to the database. */
  private async refreshCache(decisions: OrderDecision[]): Promise<void> {
    // Only fresh decisions: a replayed one may describe an order that has moved on since (cancelled),
    // and writing it again would put a stale status in the cache.
    const fresh = decisions.filter((decision) => decision.applied);
    if (fresh.length === 0) return;
    const entries: CachedStatus[] = fresh.map((decision) => ({
      orderId: decision.orderId,
      customerId: decision.customerId,
      status: decision.status,
      ...(decision.reason ? { reason: decision.reason } : {}),
      updatedAt: decision.decidedAt,
    }));
    try {
      await this.options.cache.setMany(entries);
    } catch (error) {
      this.options.logger.warn(
        { err: error, orders: entries.length },
        "status cache refresh failed; reads fall back to the database",
      );
    }
  }
}
