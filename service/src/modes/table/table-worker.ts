/**
 * Table-mode worker (`work` role on stack orders-api-prod): a loop that claims the oldest PENDING
 * orders with FOR UPDATE SKIP LOCKED and decides them — claim, decisions and commit in ONE transaction
 * of the shared OrderBatchProcessor. Consequences:
 * - any number of workers, in any number of processes, take disjoint batches without waiting for each
 *   other, and an order is decided once (a row another transaction holds is skipped; a decided row is
 *   no longer PENDING);
 * - a crash before the commit rolls the transaction back: the rows are PENDING again, for any worker;
 *   nothing else (no lease, no checkpoint) needs recovering.
 *
 * Pacing: a full batch is followed by the next at once; an empty claim backs off (50 ms doubling to
 * 1 s), so an idle fleet costs one cheap indexed query per worker per second; an error backs off
 * longer (500 ms → 10 s) and is logged.
 *
 * stop() (SIGTERM): no new batch is claimed, the batch in hand commits, and stop() resolves within
 * `stopTimeoutMs` even if that batch hangs (its transaction then rolls back when the pool closes, and
 * its rows stay PENDING for the next worker).
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { StatusCache } from "../../cache/types.js";
import type { ServiceConfig } from "../../config.js";
import { clampBatchSize, integerDefault } from "../../contract.js";
import {
  type ApplyOrders,
  type BatchProcessorHooks,
  OrderBatchProcessor,
} from "../../pipeline/batch-processor.js";
import { isTransientFault, RecordFailureTracker } from "../../pipeline/quarantine.js";
import { Backoff } from "../../pipeline/retry.js";
import { claimPendingOrders } from "../../store/pending.js";
import { applyOrders } from "../../store/processing.js";
import type { Database } from "../../store/schema.js";
import type { IntakeMetrics, OrderWorker } from "../types.js";
import { decideIsolating } from "./table-isolation.js";

export interface TablePolling {
  /** Orders claimed per transaction (WORKER_BATCH_SIZE: range and default in contract.ts). */
  batchSize: number;
  /** Wait after an empty claim: starts at min, doubles per empty claim up to max. */
  idleBackoffMinMs: number;
  idleBackoffMaxMs: number;
  /** Wait after a failed batch (database down, …): starts at min, doubles up to max. */
  errorBackoffMinMs: number;
  errorBackoffMaxMs: number;
}

const DEFAULT_TABLE_POLLING: TablePolling = {
  batchSize: integerDefault("WORKER_BATCH_SIZE"),
  idleBackoffMinMs: 50,
  idleBackoffMaxMs: 1_000,
  errorBackoffMinMs: 500,
  errorBackoffMaxMs: 10_000,
};

export interface TableWorkerOptions {
  db: Kysely<Database>;
  applyOrders: ApplyOrders;
  cache: StatusCache;
  logger: Logger;
  metrics?: IntakeMetrics;
  /** For logs only: rows are claimed by locks, not by owner (default host:pid:random). */
  workerId?: string;
  polling?: Partial<TablePolling>;
  /** How long stop() waits for the batch in hand (default 20,000 ms, inside ECS's 30 s stop timeout). */
  stopTimeoutMs?: number;
  /** TEST-ONLY fault injection (see BatchProcessorHooks). Never set in production. */
  hooks?: BatchProcessorHooks;
  /** Attempts of an order failing on its own before it is quarantined (WORKER_MAX_RECORD_ATTEMPTS). */
  maxRecordAttempts?: number;
}

/** Thrown inside the batch transaction by kill(): the batch rolls back, as when a process dies. */
class WorkerKilledError extends Error {
  constructor() {
    super("worker killed before commit");
    this.name = "WorkerKilledError";
  }
}

export class TableOrderWorker implements OrderWorker {
  readonly workerId: string;
  private readonly processor: OrderBatchProcessor;
  private readonly polling: TablePolling;
  private readonly log: Logger;
  private readonly failures = new RecordFailureTracker();
  private running = false;
  private killed = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopped: Promise<void> | undefined;
  /** Claim transactions run, empty ones included (observability of the idle backoff; tests). */
  claims = 0;
  /** Batches committed with at least one order. */
  batches = 0;

  /** The `work` role's worker: batch size from WORKER_BATCH_SIZE, decisions by store/processing.ts applyOrders. */
  static fromConfig(
    config: ServiceConfig,
    deps: Pick<TableWorkerOptions, "db" | "cache" | "logger" | "metrics">,
    overrides: Partial<TableWorkerOptions> = {},
  ): TableOrderWorker {
    return new TableOrderWorker({
      applyOrders,
      maxRecordAttempts: config.worker.maxRecordAttempts,
      ...deps,
      ...overrides,
      polling: { batchSize: config.worker.batchSize, ...overrides.polling },
    });
  }

  constructor(private readonly options: TableWorkerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.log = options.logger.child({ component: "table-worker", workerId: this.workerId });
    this.polling = { ...DEFAULT_TABLE_POLLING, ...options.polling };
    this.polling.batchSize = clampBatchSize(this.polling.batchSize);
    const hooks: BatchProcessorHooks = {
      beforeCommit: async (batch) => {
        await options.hooks?.beforeCommit?.(batch);
        if (this.killed) throw new WorkerKilledError();
      },
    };
    this.processor = new OrderBatchProcessor({
      db: options.db,
      applyOrders: options.applyOrders,
      cache: options.cache,
      logger: this.log,
      metrics: options.metrics,
      hooks,
    });
  }

  /** Starts the claim loop; resolves at once (the first claim happens in the background). */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.run();
    this.log.info({ batchSize: this.polling.batchSize }, "table worker started");
  }

  /** Claims no new batch, lets the batch in hand commit, resolves within stopTimeoutMs. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  /**
   * Ends the loop as a crashed process would: the batch in hand rolls back instead of committing, so
   * its orders stay PENDING for other workers. For tests and failure drills.
   */
  kill(): Promise<void> {
    this.killed = true;
    return this.stop();
  }

  private async shutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    const timeoutMs = this.options.stopTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      (this.loop ?? Promise.resolve()).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.log.error(
        { timeoutMs },
        "batch in hand did not finish in time; it rolls back when the pool closes",
      );
    } else {
      this.log.info({ killed: this.killed }, "table worker stopped");
    }
  }

  private async run(): Promise<void> {
    let idleMs = this.polling.idleBackoffMinMs;
    const failing = new Backoff(this.polling.errorBackoffMinMs, this.polling.errorBackoffMaxMs);
    while (this.running) {
      try {
        this.claims++;
        const { orders } = await this.processor.processClaimed(`table:${this.workerId}`, (trx) =>
          claimPendingOrders(trx, this.polling.batchSize),
        );
        failing.reset();
        this.options.metrics?.shardCommitted?.("table");
        if (orders.length > 0) {
          this.batches++;
          idleMs = this.polling.idleBackoffMinMs;
          continue;
        }
        await this.sleep(idleMs);
        idleMs = Math.min(this.polling.idleBackoffMaxMs, idleMs * 2);
      } catch (error) {
        if (error instanceof WorkerKilledError) return;
        if (!this.running) {
          this.log.warn({ err: error }, "batch failed while stopping; its orders stay PENDING");
          return;
        }
        let remaining: unknown = error;
        if (!isTransientFault(error)) {
          // Not the environment's fault: find the order(s) that fail, decide the others.
          remaining = await this.isolate();
          if (remaining === undefined) {
            failing.reset();
            continue;
          }
        }
        const retryInMs = failing.next();
        this.options.metrics?.shardFailing?.("table");
        this.log.error({ err: remaining, retryInMs }, "table batch failed; its orders stay PENDING");
        await this.sleep(retryInMs);
      }
    }
  }

  /** Bisects the failing batch (modes/table/table-isolation.ts); returns the error that remains, if any. */
  private async isolate(): Promise<unknown> {
    try {
      await decideIsolating({
        db: this.options.db,
        processor: this.processor,
        tracker: this.failures,
        maxAttempts: this.options.maxRecordAttempts ?? integerDefault("WORKER_MAX_RECORD_ATTEMPTS"),
        batchSize: this.polling.batchSize,
        source: `table:${this.workerId}`,
        log: this.log,
        metrics: this.options.metrics,
      });
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** A wait that stop() cuts short. */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
