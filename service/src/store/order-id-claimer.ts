/**
 * Groups the order-id claims of concurrent requests into one set-based claim (order-id-claims.ts):
 * one round trip per batch instead of three per order, which at thousands of orders/s
 * with client-chosen ids was most of the database's work and the API's accept latency.
 *
 * It uses the pipeline's micro-batcher with the immediate idle flush: with no claim batch in flight
 * a claim goes at the next turn of the event loop, so a lone request waits for nothing; under load the
 * claims that arrive while a batch is in flight form the next one. A batch that fails is tried again
 * one claim at a time, so one bad claim (or a conflict the engine could not settle) fails only its
 * own request.
 */
import type { Kysely } from "kysely";
import { type BatchEntry, MicroBatcher } from "../pipeline/micro-batcher.js";
import { claimOrderIds, type OrderIdClaim } from "./order-id-claims.js";
import type { Database } from "./schema.js";

export interface OrderIdClaimerOptions {
  /** Claims per batch (default 500; PostgreSQL takes any number, MySQL one placeholder per id). */
  maxBatchClaims?: number;
  /** Batches in flight at once (default 2; each holds one pooled connection, two on MySQL). */
  maxInFlight?: number;
  /** How long a claim waits for company while a batch is in flight (default 2 ms). */
  lingerMs?: number;
}

interface PendingClaim extends OrderIdClaim {
  owned?: boolean;
}

export class OrderIdClaimer {
  private readonly batcher: MicroBatcher<PendingClaim>;

  constructor(
    private readonly db: Kysely<Database>,
    options: OrderIdClaimerOptions = {},
  ) {
    this.batcher = new MicroBatcher<PendingClaim>({
      maxBatchItems: Math.max(1, options.maxBatchClaims ?? 500),
      lingerMs: Math.max(0, options.lingerMs ?? 2),
      idleFlush: "immediate",
      maxInFlight: Math.max(1, options.maxInFlight ?? 2),
      // Claims wait only for the database; the intake behind them has its own bound.
      maxQueued: 50_000,
      waitingFor: "order id claims waiting for the database",
      send: (batch) => this.send(batch),
    });
  }

  /** True when `orderId` (canonical) is `customerId`'s: claimed now, or earlier by them. */
  async claim(orderId: string, customerId: string): Promise<boolean> {
    const pending: PendingClaim = { orderId, customerId };
    await this.batcher.submit(pending);
    return pending.owned === true;
  }

  /** Settles every claim already submitted; new claims are refused. */
  close(): Promise<void> {
    return this.batcher.close();
  }

  private async send(batch: BatchEntry<PendingClaim>[]): Promise<void> {
    try {
      await this.settle(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error as Error);
        return;
      }
      // One at a time: each request gets its own claim's outcome, not its neighbours' failure.
      await Promise.all(batch.map((entry) => this.send([entry])));
    }
  }

  private async settle(batch: BatchEntry<PendingClaim>[]): Promise<void> {
    const owners = await claimOrderIds(
      this.db,
      batch.map((entry) => entry.item),
    );
    for (const entry of batch) {
      entry.item.owned = owners.get(entry.item.orderId.toLowerCase()) === entry.item.customerId;
      entry.resolve();
    }
  }
}
