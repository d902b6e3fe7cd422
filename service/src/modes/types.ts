import type { ServiceConfig } from "../config.js";
import type { IntakeMode as IntakeModeName } from "../contract.js";
import type { AcceptedOrder, RejectionReason } from "../orders/types.js";
import type { Runtime } from "../runtime.js";
import type { QuarantineReason } from "../store/quarantine-store.js";

/**
 * How the API hands an accepted order on. Stream mode puts it on Kinesis; table mode writes it as a
 * PENDING row. `submit` resolves only once the order is durable (Kinesis acknowledged the record, or
 * the row is committed), so a 202 is never answered for an order that could still be lost.
 */
export interface OrderIntake {
  readonly mode: IntakeModeName;
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

/** What a worker loop may be told besides the configuration (local runs and tests). */
export interface WorkerOptions {
  workerId?: string;
  /** Stream mode: upper bound on the shard leases one loop holds. */
  maxLeases?: number;
}

/**
 * One way of getting accepted orders to the workers. Everything that differs between the modes is
 * behind this interface, so roles and routes ask the mode instead of branching on its name.
 *
 * "Pending orders" means one thing in both modes: orders accepted (answered 202) and not decided yet.
 * Each mode says where that figure can be read (`pendingOrders`).
 */
export interface IntakeMode {
  readonly name: IntakeModeName;
  /** The dependency the intake needs, as /ready names it. */
  readonly readinessName: string;
  /** The intake the API submits accepted orders to. */
  createIntake(runtime: Runtime): OrderIntake;
  /** One worker loop; `work` starts WORKER_CONCURRENCY of them. */
  createWorker(runtime: Runtime, options?: WorkerOptions): OrderWorker;
  /**
   * How to count pending orders. `scope: "fleet"` is what `work` publishes for autoscaling (the count
   * every worker of the service would see); `"process"` is for `local`, where the API and the workers
   * share one process and its counters. Undefined when the mode cannot count it in that scope (stream
   * mode's fleet backlog is the stream's IteratorAge, which CloudWatch measures).
   */
  pendingOrders(runtime: Runtime, scope: "fleet" | "process"): (() => Promise<number>) | undefined;
  /** What that figure is, in words the dashboard shows: the PENDING rows, or this process's counters. */
  readonly pendingOrdersSource: "pending-rows" | "this-process";
  /** `local` only: what the mode needs on this machine before the configuration is final. */
  readonly localNeeds: { readonly kinesis: boolean };
  /** `local` only, after migrations: create what the intake writes to (stream mode: the stream). */
  prepareLocal(config: ServiceConfig, shards: number): Promise<void>;
}
