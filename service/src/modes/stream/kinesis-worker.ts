/**
 * Stream-mode worker (`work` role): keeps the lease table in step with the stream's shards, holds a
 * fair share of the leases, and runs one ShardConsumer per held shard.
 *
 * Timers:
 * - every `renewIntervalMs` (3 s, well inside the 10 s lease TTL) it renews its leases; a lease it no
 *   longer holds (taken over after an expiry, or stolen for balance) stops its consumer;
 * - every `coordinateIntervalMs` (2 s) it lists the shards (new children after a reshard), reads the
 *   lease table and takes what the fair-share plan says (lease-balancer.ts); it also runs at once when a
 *   shard ends, so the children start without waiting.
 *
 * Shutdown (`stop`, on SIGTERM): stop polling, let every consumer commit the batch in hand, release the
 * leases (keeping their checkpoints) so another worker takes them at once, and resolve within
 * `stopTimeoutMs` even if a consumer hangs (its lease is then released anyway; the fenced checkpoint
 * makes any later commit of that consumer fail, so nothing is decided twice).
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type KinesisClient, ListShardsCommand, type Shard } from "@aws-sdk/client-kinesis";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { StatusCache } from "../../cache/types.js";
import type { ServiceConfig } from "../../config.js";
import { clampBatchSize } from "../../contract.js";
import {
  type ApplyOrders,
  type BatchProcessorHooks,
  OrderBatchProcessor,
} from "../../pipeline/batch-processor.js";
import { type HeldLease, LeaseStore, type ShardInfo } from "../../store/leases.js";
import { applyOrders } from "../../store/processing.js";
import type { Database } from "../../store/schema.js";
import type { IntakeMetrics, OrderWorker } from "../types.js";
import { createKinesisClient } from "./kinesis-client.js";
import { planLeaseTakes } from "./lease-balancer.js";
import { DEFAULT_POLLING, type PollingOptions, ShardConsumer } from "./shard-consumer.js";

export interface KinesisWorkerOptions {
  client: KinesisClient;
  db: Kysely<Database>;
  streamName: string;
  applyOrders: ApplyOrders;
  cache: StatusCache;
  logger: Logger;
  metrics?: IntakeMetrics;
  /** Owner id in the lease table; unique per process and start (default host:pid:random). */
  workerId?: string;
  /** Lease lifetime without renewal (default 10,000 ms) and renewal period (default 3,000 ms). */
  leaseTtlMs?: number;
  renewIntervalMs?: number;
  /** Shard sync + lease taking period (default 2,000 ms). */
  coordinateIntervalMs?: number;
  /** Upper bound on leases this worker holds (default: no bound beyond the fair share). */
  maxLeases?: number;
  /** How long stop() waits for consumers to commit their batch in hand (default 20,000 ms). */
  stopTimeoutMs?: number;
  polling?: Partial<PollingOptions>;
  /** Attempts of a record failing on its own before it is quarantined (WORKER_MAX_RECORD_ATTEMPTS). */
  maxRecordAttempts?: number;
  /** TEST-ONLY fault injection (see BatchProcessorHooks). Never set in production. */
  hooks?: BatchProcessorHooks;
  /** Destroy `client` after stop() (default false; fromConfig sets it, as the worker made the client). */
  closeClient?: boolean;
}

/** What fromConfig needs besides the configuration: the process's shared parts. */
export interface KinesisWorkerDeps {
  db: Kysely<Database>;
  cache: StatusCache;
  logger: Logger;
  metrics?: IntakeMetrics;
}

export class KinesisOrderWorker implements OrderWorker {
  readonly workerId: string;
  readonly leases: LeaseStore;
  private readonly processor: OrderBatchProcessor;
  private readonly polling: PollingOptions;
  private readonly log: Logger;
  private readonly consumers = new Map<string, { lease: HeldLease; consumer: ShardConsumer }>();
  private renewTimer: NodeJS.Timeout | undefined;
  private coordinateTimer: NodeJS.Timeout | undefined;
  private coordinating: Promise<void> | undefined;
  private coordinateAgain = false;
  private running = false;
  private stopped: Promise<void> | undefined;

  /**
   * The `work` role's worker: its own Kinesis client from `config.kinesis`, batch size from
   * WORKER_BATCH_SIZE, decisions by store/processing.ts applyOrders. `overrides` is for local runs and tests.
   */
  static fromConfig(
    config: ServiceConfig,
    deps: KinesisWorkerDeps,
    overrides: Partial<KinesisWorkerOptions> = {},
  ): KinesisOrderWorker {
    return new KinesisOrderWorker({
      client: createKinesisClient(config.kinesis),
      closeClient: true,
      streamName: config.kinesis.streamName,
      applyOrders,
      maxRecordAttempts: config.worker.maxRecordAttempts,
      ...deps,
      ...overrides,
      polling: { batchSize: config.worker.batchSize, ...overrides.polling },
    });
  }

  constructor(private readonly options: KinesisWorkerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.log = options.logger.child({
      component: "kinesis-worker",
      workerId: this.workerId,
      stream: options.streamName,
    });
    this.leases = new LeaseStore(options.db, {
      streamName: options.streamName,
      workerId: this.workerId,
      leaseTtlMs: options.leaseTtlMs,
    });
    this.processor = new OrderBatchProcessor({
      db: options.db,
      applyOrders: options.applyOrders,
      cache: options.cache,
      logger: this.log,
      metrics: options.metrics,
      hooks: options.hooks,
    });
    this.polling = { ...DEFAULT_POLLING, ...options.polling };
    this.polling.batchSize = clampBatchSize(this.polling.batchSize);
  }

  /** Takes its first leases and starts polling; resolves once the first coordination round is done. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.coordinate();
    this.renewTimer = setInterval(() => void this.renew(), this.options.renewIntervalMs ?? 3_000);
    this.coordinateTimer = setInterval(
      () => void this.coordinate(),
      this.options.coordinateIntervalMs ?? 2_000,
    );
    this.log.info({ shards: [...this.consumers.keys()] }, "kinesis worker started");
  }

  /** Shards this worker currently consumes. */
  get ownedShards(): string[] {
    return [...this.consumers.keys()].sort();
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown(true).finally(() => this.closeClient());
    return this.stopped;
  }

  /**
   * Ends every loop at once without committing the batch in hand or releasing leases — what a crashed
   * process leaves behind. For tests and failure drills; the leases expire and other workers take over.
   */
  kill(): Promise<void> {
    this.stopped ??= this.shutdown(false).finally(() => this.closeClient());
    return this.stopped;
  }

  private closeClient(): void {
    if (this.options.closeClient) this.options.client.destroy();
  }

  private async shutdown(graceful: boolean): Promise<void> {
    this.running = false;
    clearInterval(this.coordinateTimer);
    await this.coordinating?.catch(() => undefined);
    const entries = [...this.consumers.values()];
    for (const { consumer } of entries) {
      if (graceful) consumer.stop();
      else consumer.kill();
    }
    if (!graceful) {
      clearInterval(this.renewTimer);
      await Promise.allSettled(entries.map(({ consumer }) => consumer.done));
      this.consumers.clear();
      this.log.warn("kinesis worker killed; leases left to expire");
      return;
    }
    // Keep renewing while the batches in hand finish, so the leases cannot expire under them.
    const timeoutMs = this.options.stopTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(entries.map(({ consumer }) => consumer.done)).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(this.renewTimer);
    if (timedOut)
      this.log.error({ timeoutMs }, "consumers did not finish in time; releasing their leases anyway");
    await Promise.allSettled(
      [...this.consumers.values()].map(async ({ lease }) => {
        try {
          await this.leases.release(lease);
        } catch (error) {
          this.log.warn(
            { err: error, shardId: lease.shardId },
            "lease release failed; it will expire instead",
          );
        }
      }),
    );
    this.consumers.clear();
    this.log.info("kinesis worker stopped; leases released");
  }

  /** One round: sync shards, plan, take. Rounds never overlap; a request during one runs another after it. */
  private coordinate(): Promise<void> {
    if (this.coordinating) {
      this.coordinateAgain = true;
      return this.coordinating;
    }
    this.coordinating = (async () => {
      do {
        this.coordinateAgain = false;
        try {
          await this.coordinateOnce();
        } catch (error) {
          this.log.error({ err: error }, "lease coordination failed; retrying on the next round");
        }
      } while (this.coordinateAgain && this.running);
    })().finally(() => {
      this.coordinating = undefined;
    });
    return this.coordinating;
  }

  private async coordinateOnce(): Promise<void> {
    if (!this.running) return;
    await this.leases.syncShards(await this.listShards());
    const snapshot = await this.leases.snapshot();
    const room = (this.options.maxLeases ?? Number.POSITIVE_INFINITY) - this.consumers.size;
    // Our own leases are held by running consumers; the plan counts them from the table.
    const plan = planLeaseTakes(snapshot, this.workerId).slice(0, Math.max(0, room));
    for (const take of plan) {
      if (!this.running || this.consumers.has(take.shardId)) continue;
      const lease = await this.leases.take(take);
      if (!lease) continue; // another worker was faster
      this.log.info(
        {
          shardId: lease.shardId,
          fencingToken: lease.fencingToken,
          checkpoint: lease.checkpoint,
          stolenFrom: take.stealFrom,
        },
        "lease taken",
      );
      this.startConsumer(lease);
    }
  }

  private startConsumer(lease: HeldLease): void {
    const consumer = new ShardConsumer({
      client: this.options.client,
      streamName: this.options.streamName,
      lease,
      leases: this.leases,
      processor: this.processor,
      polling: this.polling,
      logger: this.log,
      metrics: this.options.metrics,
      maxRecordAttempts: this.options.maxRecordAttempts,
    });
    this.consumers.set(lease.shardId, { lease, consumer });
    void consumer.done.then(
      (exit) => this.consumerEnded(lease, consumer, exit),
      (error: unknown) => {
        this.log.error({ err: error, shardId: lease.shardId }, "shard consumer crashed");
        this.consumerEnded(lease, consumer, "stopped");
      },
    );
  }

  private consumerEnded(lease: HeldLease, consumer: ShardConsumer, exit: string): void {
    if (!this.running) return; // shutdown releases what is left
    if (this.consumers.get(lease.shardId)?.consumer === consumer) this.consumers.delete(lease.shardId);
    this.log.info({ shardId: lease.shardId, exit }, "shard consumer ended");
    if (exit === "stopped") void this.leases.release(lease).catch(() => undefined);
    // A finished parent frees its children; a lost lease may leave us under our share.
    void this.coordinate();
  }

  private async renew(): Promise<void> {
    if (this.consumers.size === 0) return;
    const held = new Map(
      [...this.consumers.values()].map(({ lease }) => [lease.shardId, lease.fencingToken]),
    );
    try {
      const lost = await this.leases.renew(held);
      for (const shardId of lost) {
        const entry = this.consumers.get(shardId);
        if (!entry || entry.lease.fencingToken !== held.get(shardId)) continue;
        this.log.warn({ shardId }, "lease lost to another worker; stopping its consumer");
        entry.consumer.leaseLost();
        this.consumers.delete(shardId);
      }
    } catch (error) {
      this.log.error({ err: error }, "lease renewal failed; retrying (leases expire after the TTL)");
    }
  }

  private async listShards(): Promise<ShardInfo[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.client.send(
        nextToken
          ? new ListShardsCommand({ NextToken: nextToken })
          : new ListShardsCommand({ StreamName: this.options.streamName }),
      );
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return shards.map((shard) => ({
      shardId: shard.ShardId!,
      parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string =>
        Boolean(id),
      ),
    }));
  }
}
