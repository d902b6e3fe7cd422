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
 * one) is a no-op that resolves too. When a batch's transaction fails, deadlocks and serialization
 * failures are retried a bounded number of times; a batch holding an order whose values the database
 * refuses is split so that only that order fails; anything else rejects every submit of that batch
 * (the API answers 503). A full queue or a closing intake rejects at once, with the same
 * IntakeUnavailableError the Kinesis producer uses.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import type { AcceptedOrder } from "../orders/types.js";
import { engineOf } from "../store/database.js";
import { insertPendingOrders, isRowDataError } from "../store/pending.js";
import type { Database } from "../store/schema.js";
import { isRetryableTransactionError } from "../store/transaction.js";
import { IntakeUnavailableError } from "./kinesis-producer.js";
import type { OrderIntake } from "./types.js";

export interface TableIntakeOptions {
  /** Orders per transaction, at least 1 (default 200). */
  maxBatchOrders?: number;
  /** How long the first order of a batch waits for company (default 3 ms). */
  lingerMs?: number;
  /** Batch transactions at once (default 4; keep it below the pool size so reads still get a connection). */
  maxInFlight?: number;
  /** Attempts per batch for deadlocks / serialization failures, the first included (default 4). */
  maxAttempts?: number;
  /** The n-th retry waits random(0, backoffBaseMs·2^n) ms (default 10). */
  backoffBaseMs?: number;
  /** Submissions queued or being written before `submit` refuses new ones (default 10,000). */
  maxQueued?: number;
  logger?: Logger;
}

interface Submission {
  order: AcceptedOrder;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class TableOrderIntake implements OrderIntake {
  readonly mode = "table" as const;

  private readonly maxBatchOrders: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly maxQueued: number;
  private readonly logger: Logger | undefined;

  private queue: Submission[] = [];
  /** Submissions not yet settled: queued or in a transaction. */
  private outstanding = 0;
  private inFlight = 0;
  private committedBatches = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private drainWaiters: (() => void)[] = [];

  /** `db` is the writer pool; it belongs to the caller (the runtime closes it), not to the intake. */
  constructor(
    private readonly db: Kysely<Database>,
    options: TableIntakeOptions = {},
  ) {
    this.maxBatchOrders = Math.max(1, Math.floor(options.maxBatchOrders ?? 200));
    this.lingerMs = Math.max(0, options.lingerMs ?? 3);
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 4));
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 4));
    this.backoffBaseMs = Math.max(1, options.backoffBaseMs ?? 10);
    this.maxQueued = Math.max(1, Math.floor(options.maxQueued ?? 10_000));
    this.logger = options.logger;
  }

  submit(order: AcceptedOrder): Promise<void> {
    if (this.closing) return Promise.reject(new IntakeUnavailableError("order intake is shutting down"));
    if (this.outstanding >= this.maxQueued) {
      return Promise.reject(
        new IntakeUnavailableError(
          `order intake is saturated (${this.outstanding} orders waiting for the database)`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.outstanding++;
      this.queue.push({
        order,
        resolve: () => {
          this.settled();
          resolve();
        },
        reject: (error) => {
          this.settled();
          reject(error);
        },
      });
      if (this.queue.length >= this.maxBatchOrders) this.flush();
      else this.scheduleFlush();
    });
  }

  async checkReady(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`order table (${engineOf(this.db)}) unreachable: ${reason}`, { cause: error });
    }
  }

  /** Refuses new submissions, writes everything queued and waits until every submission has settled. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.flush();
      await this.drained();
    })();
    return this.closed;
  }

  /** Batch transactions committed so far (a retried batch counts once; a split batch once per part). */
  get flushes(): number {
    return this.committedBatches;
  }

  /** Submissions not yet settled (for tests and a saturation gauge). */
  get pendingCount(): number {
    return this.outstanding;
  }

  private scheduleFlush(): void {
    if (this.lingerTimer || this.queue.length === 0) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.flush();
    }, this.lingerMs);
  }

  /** Starts as many batch transactions as the in-flight limit allows. */
  private flush(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxBatchOrders);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        // What queued up meanwhile: a full batch (or anything, while closing) goes now, the rest lingers.
        if (this.queue.length >= this.maxBatchOrders || this.closing) this.flush();
        else this.scheduleFlush();
      });
    }
  }

  /** Writes `batch` in one transaction and settles every submission in it. Never throws. */
  private async write(batch: Submission[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await insertPendingOrders(
          this.db,
          batch.map((s) => s.order),
        );
      } catch (error) {
        if (isRetryableTransactionError(error) && attempt < this.maxAttempts) {
          this.logger?.warn({ err: error, orders: batch.length, attempt }, "order batch transaction retried");
          await sleep(Math.random() * this.backoffBaseMs * 2 ** attempt);
          continue;
        }
        if (isRowDataError(error) && batch.length > 1) {
          // One order the database cannot store must not take the others down with it: halve the
          // batch until the offending order stands alone (log2(n) extra transactions, only then).
          const half = Math.ceil(batch.length / 2);
          await this.write(batch.slice(0, half));
          await this.write(batch.slice(half));
          return;
        }
        this.logger?.error({ err: error, orders: batch.length, attempt }, "order batch not stored");
        const reason = error instanceof Error ? error.message : String(error);
        for (const submission of batch) {
          const refused = new IntakeUnavailableError(`the order table did not store the order: ${reason}`);
          refused.cause = error;
          submission.reject(refused);
        }
        return;
      }
      this.committedBatches++;
      for (const submission of batch) submission.resolve();
      return;
    }
  }

  private settled(): void {
    this.outstanding--;
    if (this.outstanding === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private drained(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
