/**
 * Prometheus metrics of the order pipeline, in one registry per process (exposed on /metrics). Each
 * part of the service gets typed handles from `createMetrics()` instead of registering its own
 * metrics, so names, labels and buckets are defined once, here. (HTTP request metrics are the API's:
 * it registers them on the same `registry`.)
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { integerDefault } from "../contract.js";
import type { IntakeMetrics } from "../modes/types.js";
import type { OrderDecision, RejectionReason } from "../orders/types.js";
import { ShardProgress } from "../pipeline/progress.js";
import type { QuarantineReason } from "../store/quarantine-store.js";

/** IntakeMetrics, plus the rejection reason as an optional third argument (label `reason`). */
export interface DecisionMetrics extends IntakeMetrics {
  ordersDecided(status: "CONFIRMED" | "REJECTED", count: number, reason?: RejectionReason): void;
}

/**
 * The steps of accepting an order (POST /orders), each timed on its own: `claim` (a client-chosen
 * order id's ownership claim: waiting for a claim batch and its database round trip), `intake` (until
 * the intake says the order is durable: the producer's linger and PutRecords, or the PENDING insert),
 * `cache` (the status cache write).
 */
export type AcceptStage = "claim" | "intake" | "cache";

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Orders the API (or a producer) accepted: counted once Kinesis or the PENDING table has them. */
  readonly ordersAccepted: Counter;
  readonly ordersConfirmed: Counter;
  readonly ordersRejected: Counter<"reason">;
  /** Seconds from acceptance to the committed decision. */
  readonly processingLatency: Histogram;
  /** Observes one step of an accept (order_accept_stage_seconds{stage}). */
  observeAcceptStage(stage: AcceptStage, seconds: number): void;
  /** MillisBehindLatest of a shard's last GetRecords, in seconds. */
  readonly shardLag: Gauge<"shard">;
  /** Orders accepted and not yet decided. */
  readonly pendingOrders: Gauge;
  /** Stream records that could not be decoded and were skipped. */
  readonly poisonRecords: Counter;
  /** Records and PENDING orders moved to the quarantine table, by reason. */
  readonly quarantinedRecords: Counter<"reason">;
  /** When each shard last committed and whether it is stuck (gauge and worker readiness). */
  readonly progress: ShardProgress;
  /**
   * Kinesis records the producer had accepted, and their bytes (data + partition key): with
   * orders_accepted_total they give records per order and bytes per shard-second, the two figures a
   * shard's write limits (1,000 records/s, 1 MiB/s) apply to.
   */
  readonly streamRecordsPut: Counter;
  readonly streamBytesPut: Counter;
  /** The IntakeMetrics the workers report through. */
  readonly intake: DecisionMetrics;
  /**
   * Counts first decisions (applied: true) by status and reason and observes their latency from the
   * given acceptance times. Replayed decisions (applied: false) are not counted again.
   */
  recordDecisions(decisions: readonly OrderDecision[], acceptedAt: ReadonlyMap<string, string>): void;
}

export interface MetricsOptions {
  /** Added as the `environment` label of every series. */
  environment?: string;
  /** Process metrics (CPU, memory, event-loop lag, GC). On by default; tests turn them off. */
  processMetrics?: boolean;
  /** A shard failing this long without a commit is stuck (WORKER_STUCK_SHARD_SECONDS). */
  stuckShardSeconds?: number;
  /** Told about every quarantined record (the QuarantinedRecords EMF metric). */
  onQuarantined?: (reason: QuarantineReason, count: number) => void;
}

/**
 * Buckets of one accept step: from half a millisecond (a cache write, a claim batch on an idle
 * database) past the 20-ms accept p99 the API aims for, to the producer's 10-s request timeout.
 */
const ACCEPT_STAGE_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

/** Latency buckets from 5 ms (a hot batch) to 2 min (a worker catching up after an outage). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * How often prom-client's event-loop delay histogram samples (its default, made explicit). The
 * nodejs_eventloop_lag_* series hold whole sampling intervals, so an idle process reports about this
 * much; the delay beyond it is what the loop was held up by.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 10;

export function createMetrics(options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.environment) registry.setDefaultLabels({ environment: options.environment });
  if (options.processMetrics ?? true)
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
    });

  const ordersAccepted = new Counter({
    name: "orders_accepted_total",
    help: "Orders accepted for processing (durably on the stream or in the PENDING table).",
    registers: [registry],
  });
  const ordersConfirmed = new Counter({
    name: "orders_confirmed_total",
    help: "Orders confirmed (stock reserved).",
    registers: [registry],
  });
  const ordersRejected = new Counter({
    name: "orders_rejected_total",
    help: "Orders rejected, by reason.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const processingLatency = new Histogram({
    name: "order_processing_latency_seconds",
    help: "Time from an order's acceptance to the commit of its decision.",
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const acceptStage = new Histogram({
    name: "order_accept_stage_seconds",
    help: "Seconds one step of accepting an order took: claim (a client-chosen order id's ownership claim), intake (until the intake has the order durably), cache (the status cache write).",
    labelNames: ["stage"] as const,
    buckets: ACCEPT_STAGE_BUCKETS,
    registers: [registry],
  });
  // Bound once: observe() with a label object hashes the labels on every call, per request here.
  const acceptStages = {
    claim: acceptStage.labels("claim"),
    intake: acceptStage.labels("intake"),
    cache: acceptStage.labels("cache"),
  } satisfies Record<AcceptStage, unknown>;
  const shardLag = new Gauge({
    name: "stream_shard_lag_seconds",
    help: "How far a shard's consumer is behind the tip of the stream (Kinesis MillisBehindLatest).",
    labelNames: ["shard"] as const,
    registers: [registry],
  });
  const pendingOrders = new Gauge({
    name: "pending_orders",
    help: "Orders accepted but not yet decided.",
    registers: [registry],
  });
  const poisonRecords = new Counter({
    name: "stream_poison_records_total",
    help: "Stream records skipped because they could not be decoded or failed the record schema.",
    registers: [registry],
  });

  const quarantinedRecords = new Counter({
    name: "quarantined_records_total",
    help: "Stream records and PENDING orders moved to the quarantine table, by reason (poison, unstorable, failed).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const progress = new ShardProgress(
    options.stuckShardSeconds ?? integerDefault("WORKER_STUCK_SHARD_SECONDS"),
  );
  new Gauge({
    name: "stream_shard_seconds_since_commit",
    help: "Seconds since each shard this process consumes (or the table queue, shard=table) last committed.",
    labelNames: ["shard"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const view of progress.snapshot()) this.set({ shard: view.shard }, view.secondsSinceCommit);
    },
  });
  const streamRecordsPut = new Counter({
    name: "stream_records_put_total",
    help: "Kinesis records accepted by PutRecords (one order each, or a KPL aggregate of many).",
    registers: [registry],
  });
  const streamBytesPut = new Counter({
    name: "stream_record_bytes_put_total",
    help: "Bytes of the Kinesis records accepted by PutRecords (data + partition key).",
    registers: [registry],
  });

  const intake: DecisionMetrics = {
    ordersDecided(status: "CONFIRMED" | "REJECTED", count: number, reason?: RejectionReason) {
      if (status === "CONFIRMED") ordersConfirmed.inc(count);
      else ordersRejected.inc({ reason: reason ?? "UNSPECIFIED" }, count);
    },
    processingLatency(seconds) {
      processingLatency.observe(Math.max(0, seconds));
    },
    shardLag(shardId, millisBehind) {
      shardLag.set({ shard: shardId }, Math.max(0, millisBehind) / 1000);
    },
    poisonRecords(count) {
      poisonRecords.inc(count);
    },
    quarantinedRecords(reason, count) {
      quarantinedRecords.inc({ reason }, count);
      options.onQuarantined?.(reason, count);
    },
    shardCommitted: (shard) => progress.committed(shard),
    shardFailing: (shard) => progress.failing(shard),
    shardReleased: (shard) => progress.released(shard),
  };

  return {
    registry,
    ordersAccepted,
    ordersConfirmed,
    ordersRejected,
    processingLatency,
    observeAcceptStage(stage, seconds) {
      acceptStages[stage].observe(Math.max(0, seconds));
    },
    shardLag,
    pendingOrders,
    poisonRecords,
    quarantinedRecords,
    progress,
    streamRecordsPut,
    streamBytesPut,
    intake,
    recordDecisions(decisions, acceptedAt) {
      for (const decision of decisions) {
        if (!decision.applied) continue;
        if (decision.status === "CONFIRMED") ordersConfirmed.inc();
        else ordersRejected.inc({ reason: decision.reason ?? "UNSPECIFIED" });
        const accepted = acceptedAt.get(decision.orderId);
        if (accepted !== undefined) {
          const seconds = (Date.parse(decision.decidedAt) - Date.parse(accepted)) / 1000;
          if (Number.isFinite(seconds)) processingLatency.observe(Math.max(0, seconds));
        }
      }
    },
  };
}
