/**
 * Stream-mode intake: puts accepted orders on Kinesis in PutRecords batches.
 *
 * Why batch: one PutRecords call carries up to 500 records, and the API's 2,000+ orders/s would
 * otherwise be 2,000+ HTTP round trips a second. The pipeline's micro-batcher makes the batches (a
 * submission waits at most `lingerMs` for company, a full batch goes at once). Each `submit` resolves when Kinesis has accepted *its* record (it has
 * a sequence number), so the API answers 202 only for durable orders.
 *
 * PutRecords is not atomic: some entries can fail (ProvisionedThroughputExceededException when a
 * shard is over its write limit, InternalFailure) while the rest succeed. Only the failed entries are
 * retried — resending the whole batch would duplicate the accepted ones — with the pipeline's retry
 * policy (exponential backoff, full jitter) up to `maxAttempts`; then their submissions are rejected. Errors that retrying
 * cannot fix (e.g. KMS access denied) reject at once.
 *
 * The partition key is the order id: random UUIDs spread evenly over the shards' hash ranges, and all
 * records of one order land on one shard, in order. With `aggregate` on, the orders of a batch that map
 * to one shard travel as KPL aggregated records (record-packer.ts); a failed aggregate retries all of
 * its orders, an accepted one settles all of them.
 */
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsResultEntry,
} from "@aws-sdk/client-kinesis";
import type { Logger } from "pino";
import type { ServiceConfig } from "../../config.js";
import type { AcceptedOrder } from "../../orders/types.js";
import { type BatchEntry, IntakeUnavailableError, MicroBatcher } from "../../pipeline/micro-batcher.js";
import { backoffDelayMs, type RetryPolicy } from "../../pipeline/retry.js";
import type { OrderIntake } from "../types.js";
import { createKinesisClient } from "./kinesis-client.js";
import type { UserRecord } from "./kpl-aggregator.js";
import { encodeOrderRecord } from "./record.js";
import {
  aggregatingPacker,
  type PackedRecord,
  packOnePerRecord,
  type RecordPacker,
} from "./record-packer.js";
import { ShardMap } from "./shard-map.js";

/** Kinesis limits for one PutRecords request. */
const PUT_RECORDS_MAX_RECORDS = 500;
const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
/** Largest record (data + partition key) Kinesis accepts. */
const RECORD_MAX_BYTES = 1024 * 1024;
/** Orders per batch when aggregating: the 500-entry limit applies to aggregates, not to orders. */
const AGGREGATED_MAX_BATCH_ORDERS = 5_000;

/** Per-entry error codes worth retrying: the shard was busy or Kinesis had a transient fault. */
const RETRYABLE_ENTRY_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "InternalFailure",
  "KMSThrottlingException",
]);

export interface KinesisProducerOptions {
  streamName: string;
  /** Many orders per Kinesis record, in the KPL aggregation format (KINESIS_AGGREGATION, on by default in
   * fromConfig; a component built directly in code puts one order per record unless it asks). */
  aggregate?: boolean;
  /** Orders per batch, 1–500 one per record (default 500), more when aggregating (default 5,000). */
  maxBatchRecords?: number;
  /** Bytes per PutRecords call (default 5 MiB). */
  maxBatchBytes?: number;
  /** How long the first record of a batch waits for more (default 5 ms). */
  lingerMs?: number;
  /** PutRecords calls in flight at once (default 4). */
  maxInFlight?: number;
  /** Attempts per record, the first included (default 6). */
  maxAttempts?: number;
  /** Backoff base and cap; the n-th retry waits random(0, min(cap, base·2^n)) (defaults 25 / 2,000 ms). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Submissions buffered or retrying before `submit` refuses new ones (default 50,000). */
  maxQueued?: number;
  /** Called after each PutRecords call with the records it got accepted and their bytes (metrics). */
  onRecordsPut?: (records: number, bytes: number) => void;
  /** Destroy the client on close (default: true when the producer created it). */
  closeClient?: boolean;
  logger?: Logger;
}

/** A submission's order record, and the error of its last failed attempt. */
interface PendingRecord extends UserRecord {
  lastError?: string;
}

export class KinesisOrderIntake implements OrderIntake {
  readonly mode = "stream" as const;

  /** Builds the producer and its own client from the service configuration. */
  static fromConfig(
    config: ServiceConfig,
    options: Omit<KinesisProducerOptions, "streamName"> = {},
  ): KinesisOrderIntake {
    return new KinesisOrderIntake(createKinesisClient(config.kinesis), {
      streamName: config.kinesis.streamName,
      aggregate: config.kinesis.aggregate,
      closeClient: true,
      ...options,
    });
  }

  private readonly streamName: string;
  private readonly retry: RetryPolicy;
  private readonly closeClient: boolean;
  private readonly logger: Logger | undefined;
  private readonly batcher: MicroBatcher<PendingRecord>;
  private readonly shardMap: ShardMap | undefined;
  private readonly pack: RecordPacker;
  private readonly onRecordsPut: ((records: number, bytes: number) => void) | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly client: KinesisClient,
    options: KinesisProducerOptions,
  ) {
    this.streamName = options.streamName;
    const backoffBaseMs = Math.max(1, options.backoffBaseMs ?? 25);
    this.retry = {
      maxAttempts: Math.max(1, options.maxAttempts ?? 6),
      backoffBaseMs,
      backoffMaxMs: Math.max(backoffBaseMs, options.backoffMaxMs ?? 2_000),
    };
    this.closeClient = options.closeClient ?? false;
    this.logger = options.logger;
    this.onRecordsPut = options.onRecordsPut;
    const aggregate = options.aggregate ?? false;
    this.shardMap = aggregate ? new ShardMap(client, this.streamName, 60_000, options.logger) : undefined;
    this.pack = this.shardMap ? aggregatingPacker(this.shardMap) : packOnePerRecord;
    const maxOrders = aggregate ? AGGREGATED_MAX_BATCH_ORDERS : PUT_RECORDS_MAX_RECORDS;
    this.batcher = new MicroBatcher({
      maxBatchItems: clamp(options.maxBatchRecords ?? maxOrders, 1, maxOrders),
      maxBatchWeight: clamp(
        options.maxBatchBytes ?? PUT_RECORDS_MAX_BYTES,
        RECORD_MAX_BYTES,
        PUT_RECORDS_MAX_BYTES,
      ),
      lingerMs: Math.max(0, options.lingerMs ?? 5),
      // Linger only while a PutRecords call is in flight: an idle producer sends at once.
      idleFlush: "immediate",
      maxInFlight: Math.max(1, options.maxInFlight ?? 4),
      maxQueued: Math.max(1, options.maxQueued ?? 50_000),
      waitingFor: "records waiting for Kinesis",
      send: (batch) => this.send(batch),
    });
  }

  submit(order: AcceptedOrder): Promise<void> {
    const data = encodeOrderRecord(order);
    const bytes = data.byteLength + Buffer.byteLength(order.orderId);
    if (bytes > RECORD_MAX_BYTES) {
      return Promise.reject(
        new Error(`order ${order.orderId} encodes to ${bytes} bytes; Kinesis records are ≤ 1 MiB`),
      );
    }
    return this.batcher.submit({ partitionKey: order.orderId, data }, bytes);
  }

  async checkReady(): Promise<void> {
    let status: string | undefined;
    try {
      const summary = await this.client.send(
        new DescribeStreamSummaryCommand({ StreamName: this.streamName }),
      );
      status = summary.StreamDescriptionSummary?.StreamStatus;
    } catch (error) {
      throw new Error(`Kinesis stream ${this.streamName} is not reachable: ${(error as Error).message}`);
    }
    // Aggregation needs the shard map; loading it here means the first orders after start-up are
    // already aggregated (until it loads they go one per record).
    await this.shardMap?.refresh();
    // UPDATING (a reshard in progress) still accepts writes.
    if (status !== "ACTIVE" && status !== "UPDATING") {
      throw new Error(`Kinesis stream ${this.streamName} is ${status ?? "in an unknown state"}, not ACTIVE`);
    }
  }

  /** Sends everything buffered (retries included), waits for every submission to settle, then releases the client. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.batcher.close();
      if (this.closeClient) this.client.destroy();
    })();
    return this.closed;
  }

  /** Submissions not yet settled (for tests and a saturation gauge). */
  get pendingCount(): number {
    return this.batcher.pendingCount;
  }

  private async send(batch: BatchEntry<PendingRecord>[]): Promise<void> {
    for (const pending of batch) pending.attempts++;
    const calls = splitIntoCalls(this.pack(batch));
    await Promise.all(calls.map((call) => this.putRecords(call)));
  }

  /** One PutRecords call; settles or requeues every order of every entry in it. */
  private async putRecords(call: PackedRecord<PendingRecord>[]): Promise<void> {
    let results: PutRecordsResultEntry[];
    try {
      const response = await this.client.send(
        new PutRecordsCommand({ StreamName: this.streamName, Records: call.map((packed) => packed.entry) }),
      );
      results = response.Records ?? [];
    } catch (error) {
      // The whole call failed (network, throttled call, stream missing): nothing in it was accepted.
      const err = error as Error;
      const retryable = isRetryableCallError(err);
      this.logger?.warn({ err, records: call.length, retryable }, "PutRecords call failed");
      for (const pending of call.flatMap((packed) => packed.members)) {
        pending.item.lastError = `${err.name}: ${err.message}`;
        if (retryable) this.retryOrReject(pending);
        else pending.reject(new Error(`Kinesis rejected the order record: ${pending.item.lastError}`));
      }
      return;
    }
    let failed = 0;
    let putBytes = 0;
    call.forEach((packed, index) => {
      const result = results[index];
      if (result && !result.ErrorCode) {
        putBytes += packed.entry.Data.byteLength + Buffer.byteLength(packed.entry.PartitionKey);
        // Kinesis put the aggregate elsewhere than the map said: the shards changed; reload the map.
        if (packed.expectedShard && result.ShardId && result.ShardId !== packed.expectedShard) {
          void this.shardMap?.refresh();
        }
        for (const pending of packed.members) pending.resolve();
        return;
      }
      failed++;
      const code = result?.ErrorCode ?? "MissingResult";
      const retryable = RETRYABLE_ENTRY_ERRORS.has(code) || code === "MissingResult";
      for (const pending of packed.members) {
        pending.item.lastError = `${code}: ${result?.ErrorMessage ?? "no result for this entry"}`;
        if (retryable) this.retryOrReject(pending);
        else pending.reject(new Error(`Kinesis rejected the order record: ${pending.item.lastError}`));
      }
    });
    if (failed < call.length) this.onRecordsPut?.(call.length - failed, putBytes);
    if (failed > 0)
      this.logger?.debug(
        { failed, records: call.length },
        "PutRecords partially failed; retrying failed entries",
      );
  }

  /** Only the failed entry goes again (resending the batch would duplicate the accepted ones). */
  private retryOrReject(pending: BatchEntry<PendingRecord>): void {
    if (pending.attempts >= this.retry.maxAttempts) {
      this.logger?.error(
        {
          partitionKey: pending.item.partitionKey,
          attempts: pending.attempts,
          error: pending.item.lastError,
        },
        "order record not accepted by Kinesis; giving up",
      );
      pending.reject(
        new IntakeUnavailableError(
          `Kinesis did not accept the order record after ${pending.attempts} attempts (last error ${pending.item.lastError})`,
        ),
      );
      return;
    }
    setTimeout(() => this.batcher.requeue(pending), backoffDelayMs(this.retry, pending.attempts));
  }
}

function isRetryableCallError(error: Error): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }).$metadata;
  if (error.name === "ResourceNotFoundException" || error.name === "AccessDeniedException") return false;
  if (error.name === "ValidationException" || error.name === "InvalidArgumentException") return false;
  const status = meta?.httpStatusCode;
  // 4xx other than throttling is a caller bug that retrying will not fix.
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return (
      error.name.includes("Throughput") ||
      error.name.includes("Throttl") ||
      error.name.includes("LimitExceeded")
    );
  }
  return true;
}

/** Splits packed records into PutRecords calls within the 500-entry and 5 MiB request limits. */
function splitIntoCalls<T extends UserRecord>(packed: PackedRecord<T>[]): PackedRecord<T>[][] {
  const calls: PackedRecord<T>[][] = [];
  let current: PackedRecord<T>[] = [];
  let bytes = 0;
  for (const record of packed) {
    const size = record.entry.Data.byteLength + Buffer.byteLength(record.entry.PartitionKey);
    if (
      current.length > 0 &&
      (current.length >= PUT_RECORDS_MAX_RECORDS || bytes + size > PUT_RECORDS_MAX_BYTES)
    ) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}
