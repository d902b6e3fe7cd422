/**
 * The polling loop of one leased shard: GetShardIterator after the checkpoint, then GetRecords →
 * decode → one transaction per batch (decisions + fenced checkpoint) → next, until the shard ends, the
 * lease is lost or the worker stops.
 *
 * Kinesis limits: a shard serves at most 5 GetRecords calls a second, shared by every consumer of the
 * stream, so calls on one shard are at least `minPollIntervalMs` (200 ms) apart; an empty answer backs
 * off further (250 ms growing to 1 s) so an idle stream costs little, and ProvisionedThroughputExceeded
 * backs off exponentially. The next call is made while the current batch is being written (one batch
 * of read-ahead), so the database and Kinesis latencies overlap instead of adding up.
 */

import {
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from "@aws-sdk/client-kinesis";
import type { Logger } from "pino";
import { integerDefault } from "../../contract.js";
import type { OrderBatchProcessor } from "../../pipeline/batch-processor.js";
import { RecordFailureTracker } from "../../pipeline/quarantine.js";
import { Backoff } from "../../pipeline/retry.js";
import { type HeldLease, LeaseLostError, type LeaseStore } from "../../store/leases.js";
import type { IntakeMetrics } from "../types.js";
import { commitStreamChunk } from "./chunk-committer.js";
import { chunkUserRecords, expandRecords, iteratorStart, type UserRecordChunk } from "./stream-position.js";

export interface PollingOptions {
  /**
   * Records per GetRecords call and per transaction to start with (WORKER_BATCH_SIZE: range and
   * default in contract.ts). A full answer doubles the next call's Limit up to maxBatchSize, a
   * half-empty one halves it back towards batchSize: a backlog drains in large transactions, a
   * trickle stays in small ones.
   */
  batchSize: number;
  /** Upper bound of the adaptive Limit (default 10,000, what GetRecords allows). */
  maxBatchSize: number;
  /** Least time between two GetRecords calls on one shard (default 200 ms: 5 calls/s). */
  minPollIntervalMs: number;
  /** Wait after an empty answer: starts at min, doubles to max (defaults 250 / 1,000 ms). */
  idleBackoffMinMs: number;
  idleBackoffMaxMs: number;
  /** Backoff after throttling or a failed batch: starts at min, doubles to max (defaults 500 / 10,000 ms). */
  errorBackoffMinMs: number;
  errorBackoffMaxMs: number;
}

/**
 * GetRecords returns at most 10,000 records or 10 MiB per call, and a shard serves 5 calls/s; with
 * the Limit adapting up to this, one shard's reader is bound by Kinesis, not by a fixed cap of ours.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
 */
export const GET_RECORDS_MAX_RECORDS = 10_000;

export const DEFAULT_POLLING: PollingOptions = {
  batchSize: integerDefault("WORKER_BATCH_SIZE"),
  maxBatchSize: GET_RECORDS_MAX_RECORDS,
  minPollIntervalMs: 200,
  idleBackoffMinMs: 250,
  idleBackoffMaxMs: 1_000,
  errorBackoffMinMs: 500,
  errorBackoffMaxMs: 10_000,
};

export type ShardExit = "shard-end" | "lease-lost" | "stopped";

interface ShardConsumerDeps {
  client: KinesisClient;
  streamName: string;
  lease: HeldLease;
  leases: LeaseStore;
  processor: OrderBatchProcessor;
  polling: PollingOptions;
  logger: Logger;
  metrics?: IntakeMetrics;
  /** Attempts of a record failing on its own before it is quarantined (WORKER_MAX_RECORD_ATTEMPTS). */
  maxRecordAttempts?: number;
}

const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "KMSThrottlingException",
  "ThrottlingException",
]);

export class ShardConsumer {
  /** Resolves with why the loop ended. */
  readonly done: Promise<ShardExit>;
  private stopping = false;
  private lost = false;
  private killed = false;
  private wake: (() => void) | undefined;
  private readonly log: Logger;
  /** Attempts of records that failed alone on this shard, until they commit or are quarantined. */
  private readonly failures = new RecordFailureTracker();
  /** The Limit of the next GetRecords call (adaptive, see PollingOptions.batchSize). */
  private limit: number;

  constructor(private readonly deps: ShardConsumerDeps) {
    this.log = deps.logger.child({ shardId: deps.lease.shardId });
    this.limit = deps.polling.batchSize;
    this.done = this.run().finally(() => deps.metrics?.shardReleased?.(deps.lease.shardId));
  }

  get shardId(): string {
    return this.deps.lease.shardId;
  }

  /** Finish the batch in hand, commit it, and end the loop. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** The lease moved to another worker: end the loop; a batch in hand will fail its fenced commit. */
  leaseLost(): void {
    this.lost = true;
    this.stop();
  }

  /** End the loop at once without committing anything in hand: what a crash leaves behind (tests). */
  kill(): void {
    this.killed = true;
    this.stop();
  }

  private async run(): Promise<ShardExit> {
    const { polling } = this.deps;
    let iterator: string | undefined;
    let lastCall = 0;
    let idleDelay = 0;
    // Two backoffs: throttled reads recover as soon as a read succeeds; a failing batch only once it
    // commits (it is read again successfully every time, so resetting on the read would never grow).
    const throttled = new Backoff(polling.errorBackoffMinMs, polling.errorBackoffMaxMs);
    const failing = new Backoff(polling.errorBackoffMinMs, polling.errorBackoffMaxMs);
    let pending: Promise<GetRecordsCommandOutput> | undefined;

    while (!this.stopping) {
      try {
        iterator ??= await this.iteratorAfterCheckpoint();
        // Use the read-ahead if there is one; otherwise call now (respecting the per-shard rate).
        let response: GetRecordsCommandOutput;
        if (pending) {
          response = await pending;
          pending = undefined;
        } else {
          await this.sleep(lastCall + polling.minPollIntervalMs - Date.now());
          if (this.stopping) break;
          lastCall = Date.now();
          response = await this.getRecords(iterator);
        }
        throttled.reset();
        this.deps.metrics?.shardLag(this.shardId, response.MillisBehindLatest ?? 0);
        const records = response.Records ?? [];
        const next = response.NextShardIterator ?? undefined;

        // Read ahead while this batch is written, when there is likely more: a full batch, or Kinesis says
        // we are behind the tip (kinesalite always reports 0 there, hence both tests).
        const full = records.length >= this.limit;
        const likelyMore = full || (response.MillisBehindLatest ?? 0) > 0;
        this.adaptLimit(records.length, full);
        if (next && likelyMore && !this.stopping) {
          const at = Math.max(Date.now(), lastCall + polling.minPollIntervalMs);
          pending = this.delay(at - Date.now()).then(() => {
            lastCall = Date.now();
            return this.getRecords(next);
          });
          pending.catch(() => {}); // observed when awaited; never an unhandled rejection meanwhile
        }

        if (records.length > 0) {
          if (this.killed) break;
          await this.processBatch(records);
          failing.reset();
          idleDelay = 0;
        }
        if (!next) {
          // SHARD_END: every record of this (parent) shard is committed; its children may start.
          const finished = await this.deps.leases.finish(this.deps.lease);
          this.log.info({ finished }, "shard reached its end");
          return finished ? "shard-end" : "lease-lost";
        }
        iterator = next;
        if (records.length === 0) {
          idleDelay =
            idleDelay === 0 ? polling.idleBackoffMinMs : Math.min(polling.idleBackoffMaxMs, idleDelay * 2);
          await this.sleep(idleDelay);
        }
      } catch (error) {
        pending = undefined;
        if (error instanceof LeaseLostError || this.lost) {
          this.log.warn(
            { err: error },
            "lease lost; the batch in hand was rolled back and the shard handed over",
          );
          return "lease-lost";
        }
        if (this.killed) break;
        const err = error as Error;
        if (THROTTLING_ERRORS.has(err.name)) {
          const delayMs = throttled.next();
          this.log.info({ delayMs }, "GetRecords throttled; backing off");
          await this.sleep(delayMs);
        } else if (error instanceof ExpiredIteratorException) {
          this.log.info("shard iterator expired; resuming from the checkpoint");
          iterator = undefined;
        } else {
          // A batch that did not commit is read again from the checkpoint: nothing is skipped.
          const delayMs = failing.next();
          this.deps.metrics?.shardFailing?.(this.shardId);
          this.log.error({ err: error, delayMs }, "shard batch failed; retrying from the checkpoint");
          iterator = undefined;
          await this.sleep(delayMs);
        }
      }
    }
    if (pending) await pending.catch(() => undefined);
    return this.lost ? "lease-lost" : "stopped";
  }

  private async processBatch(records: KinesisRecord[]): Promise<void> {
    // KPL-aggregated records become their user records; a checkpoint may sit inside one of them.
    const users = expandRecords(records, this.deps.lease.checkpoint);
    const last = records[records.length - 1]!.SequenceNumber!;
    for (const chunk of chunkUserRecords(users, this.deps.polling.batchSize, last)) {
      await this.processChunk(chunk);
    }
  }

  private processChunk(chunk: UserRecordChunk): Promise<void> {
    return commitStreamChunk(chunk, {
      processor: this.deps.processor,
      leases: this.deps.leases,
      lease: this.deps.lease,
      streamName: this.deps.streamName,
      tracker: this.failures,
      maxAttempts: this.deps.maxRecordAttempts ?? integerDefault("WORKER_MAX_RECORD_ATTEMPTS"),
      log: this.log,
      metrics: this.deps.metrics,
    });
  }

  private adaptLimit(received: number, full: boolean): void {
    const { batchSize, maxBatchSize } = this.deps.polling;
    const ceiling = Math.max(batchSize, maxBatchSize);
    if (full) this.limit = Math.min(ceiling, this.limit * 2);
    else if (received < this.limit / 2) this.limit = Math.max(batchSize, Math.floor(this.limit / 2));
  }

  /** The Limit the next GetRecords call will ask for (tests, metrics). */
  get currentLimit(): number {
    return this.limit;
  }

  private async iteratorAfterCheckpoint(): Promise<string> {
    const checkpoint = this.deps.lease.checkpoint;
    const response = await this.deps.client.send(
      new GetShardIteratorCommand({
        StreamName: this.deps.streamName,
        ShardId: this.shardId,
        ...iteratorStart(checkpoint),
      }),
    );
    if (!response.ShardIterator) throw new Error(`no shard iterator for ${this.shardId}`);
    return response.ShardIterator;
  }

  private getRecords(iterator: string): Promise<GetRecordsCommandOutput> {
    return this.deps.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.limit }));
  }

  /** A sleep that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private delay(ms: number): Promise<void> {
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  }
}
