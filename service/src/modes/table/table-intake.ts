/**
 * Table-mode intake (stack orders-api-prod, which has no stream): the API writes each accepted order
 * as a PENDING row — order, items and first history entry — and `work` claims the rows
 * (table-worker.ts).
 *
 * Why group commit: one transaction per order is ~6 round trips and one commit (a log flush) per
 * order, which capped intake at a few hundred orders/s. Instead `submit` queues the order; a flush
 * takes up to `maxBatchOrders` queued orders after `lingerMs` (or at once when that many are waiting)
 * and writes them all in ONE transaction with one set-based INSERT per table (insertPendingOrders).
 * Several flushes run at once (`maxInFlight`) to use the connection pool.
 *
 * `submit` still resolves only after the COMMIT that made its order durable, so a 202 is never answered
 * for an order that could be lost; a repeated order id (a client retry, in this batch or an earlier
 * one) is a no-op that resolves too. When a batch's transaction fails, deadlocks, serialization
 * failures and lost insert races are retried a bounded number of times, and outages (a killed
 * session, refused credentials) for a bounded time (the pipeline's retry policy); a batch holding an
 * order whose values the database refuses is split so that only that order fails; anything else
 * rejects every submit of that batch (the API answers 503). A full queue or a closing intake rejects at once (IntakeUnavailableError).
 */
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import type { AcceptedOrder } from "../../orders/types.js";
import { type BatchEntry, IntakeUnavailableError, MicroBatcher } from "../../pipeline/micro-batcher.js";
import { type RetryPolicy, type RetryVerdict, withRetries } from "../../pipeline/retry.js";
import { CREDENTIAL_REFUSAL_WINDOW_MS } from "../../store/auth-failure.js";
import { classifyStorageError, dialectOf } from "../../store/dialect/index.js";
import { insertPendingOrders } from "../../store/pending.js";
import type { Database } from "../../store/schema.js";
import type { OrderIntake } from "../types.js";

export interface TableIntakeOptions {
  /** Orders per transaction, at least 1 (default 200). */
  maxBatchOrders?: number;
  /** How long the first order of a batch waits for company while a batch is in flight (default 3 ms). */
  lingerMs?: number;
  /** Batch transactions at once (default 4; keep it below the pool size so reads still get a connection). */
  maxInFlight?: number;
  /** Attempts per batch for deadlocks / serialization failures / insert races, the first included (default 4). */
  maxAttempts?: number;
  /** The n-th retry waits random(0, backoffBaseMs·2^n) ms (default 10). */
  backoffBaseMs?: number;
  /**
   * How long a batch rides out an outage — its session killed, its credentials refused — before its
   * orders are refused (default: the credential source's refusal window, 20 s). The submitters wait
   * meanwhile; a 503 in the middle of a rotation would fail orders the database takes a moment later.
   */
  outageRetryMs?: number;
  /** Submissions queued or being written before `submit` refuses new ones (default 10,000). */
  maxQueued?: number;
  logger?: Logger;
}

/**
 * Transient for a batch of inserts: a conflict, a concurrent writer of one of its ids (run again, it
 * sees the row), or an outage such as the session terminated by a credential rotation (the pool opens
 * the next connection with fresh credentials; a batch whose commit was lost with it re-inserts as a
 * no-op, since a repeated order id is).
 */
function curedByRetry(error: unknown): RetryVerdict {
  const kind = classifyStorageError(error);
  if (kind === "outage") return "outage";
  return kind === "retryable" || kind === "duplicate";
}

export class TableOrderIntake implements OrderIntake {
  readonly mode = "table" as const;

  private readonly retry: RetryPolicy;
  private readonly logger: Logger | undefined;
  private readonly batcher: MicroBatcher<AcceptedOrder>;
  private committedBatches = 0;

  /** `db` is the writer pool; it belongs to the caller (the runtime closes it), not to the intake. */
  constructor(
    private readonly db: Kysely<Database>,
    options: TableIntakeOptions = {},
  ) {
    const backoffBaseMs = Math.max(1, options.backoffBaseMs ?? 10);
    // base·2^n for the n-th retry: the shared policy counts from 2^0, so it starts at twice the base.
    this.retry = {
      maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 4)),
      backoffBaseMs: 2 * backoffBaseMs,
      backoffMaxMs: Number.POSITIVE_INFINITY,
      outageWindowMs: Math.max(0, options.outageRetryMs ?? CREDENTIAL_REFUSAL_WINDOW_MS),
    };
    this.logger = options.logger;
    this.batcher = new MicroBatcher({
      maxBatchItems: options.maxBatchOrders ?? 200,
      lingerMs: Math.max(0, options.lingerMs ?? 3),
      // Linger only while a batch transaction is in flight: at low load an order is committed at the
      // next turn of the event loop instead of waiting 3 ms for company that is not coming.
      idleFlush: "immediate",
      maxInFlight: Math.max(1, Math.floor(options.maxInFlight ?? 4)),
      maxQueued: Math.max(1, Math.floor(options.maxQueued ?? 10_000)),
      waitingFor: "orders waiting for the database",
      send: (batch) => this.write(batch),
    });
  }

  submit(order: AcceptedOrder): Promise<void> {
    return this.batcher.submit(order);
  }

  async checkReady(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`order table (${dialectOf(this.db).engine}) unreachable: ${reason}`, { cause: error });
    }
  }

  /** Refuses new submissions, writes everything queued and waits until every submission has settled. */
  close(): Promise<void> {
    return this.batcher.close();
  }

  /** Batch transactions committed so far (a retried batch counts once; a split batch once per part). */
  get flushes(): number {
    return this.committedBatches;
  }

  /** Submissions not yet settled (for tests and a saturation gauge). */
  get pendingCount(): number {
    return this.batcher.pendingCount;
  }

  /** Writes `batch` in one transaction and settles every submission in it. Never throws. */
  private async write(batch: BatchEntry<AcceptedOrder>[]): Promise<void> {
    try {
      await withRetries(
        this.retry,
        curedByRetry,
        () =>
          insertPendingOrders(
            this.db,
            batch.map((entry) => entry.item),
          ),
        (error, attempt) =>
          this.logger?.warn({ err: error, orders: batch.length, attempt }, "order batch transaction retried"),
      );
    } catch (error) {
      if (classifyStorageError(error) === "unstorable" && batch.length > 1) {
        // One order the database cannot store must not take the others down with it: halve the
        // batch until the offending order stands alone (log2(n) extra transactions, only then).
        const half = Math.ceil(batch.length / 2);
        await this.write(batch.slice(0, half));
        await this.write(batch.slice(half));
        return;
      }
      this.logger?.error({ err: error, orders: batch.length }, "order batch not stored");
      const reason = error instanceof Error ? error.message : String(error);
      for (const entry of batch) {
        const refused = new IntakeUnavailableError(`the order table did not store the order: ${reason}`);
        refused.cause = error;
        entry.reject(refused);
      }
      return;
    }
    this.committedBatches++;
    for (const entry of batch) entry.resolve();
  }
}
