import type { AcceptedOrder, RejectionReason } from "../orders/types.js";
import type { QuarantineReason } from "../store/quarantine-store.js";

/**
 * How the API hands an accepted order on. Stream mode puts it on Kinesis; table mode writes it as a
 * PENDING row. `submit` resolves only once the order is durable (Kinesis acknowledged the record, or
 * the row is committed), so a 202 is never answered for an order that could still be lost.
 */
export interface OrderIntake {
  readonly mode: "stream" | "table";
  submit(order: AcceptedOrder): Promise<void>;
  /** Throws with a message naming the dependency when intake is not usable (for /ready). */
  checkReady(): Promise<void>;
  /** Flushes anything buffered and releases connections. */
  close(): Promise<void>;
}

/** A long-running consumer loop (`work` role). */
export interface OrderWorker {
  start(): Promise<void>;
  /** Stop taking new work, finish and commit the batch in hand, release leases. */
  stop(): Promise<void>;
}

/**
 * What the workers report (implemented over the Prometheus registry by telemetry/). Counters count
 * first decisions only: a replayed batch or a duplicate record is not counted twice.
 */
export interface IntakeMetrics {
  /** `reason` is set for rejections (one call per reason). */
  ordersDecided(status: "CONFIRMED" | "REJECTED", count: number, reason?: RejectionReason): void;
  /** Seconds from `acceptedAt` to the commit of the order's decision. */
  processingLatency(seconds: number): void;
  /** MillisBehindLatest of the last GetRecords on a shard (0 when caught up). */
  shardLag(shardId: string, millisBehind: number): void;
  /** Records skipped because they could not be decoded (bad JSON, schema violation, unknown version). */
  poisonRecords(count: number): void;
  /** Records (or PENDING orders) moved to the quarantine table, by reason. */
  quarantinedRecords?(reason: QuarantineReason, count: number): void;
  /** A shard (or, as "table", the table queue) committed progress just now. */
  shardCommitted?(shardId: string): void;
  /** A batch of that shard failed (it is retried; progress stops until it commits). */
  shardFailing?(shardId: string): void;
  /** This worker stopped consuming the shard. */
  shardReleased?(shardId: string): void;
}
