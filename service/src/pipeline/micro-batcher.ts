/**
 * The micro-batcher both intakes share: `submit` queues an item; a batch goes when `maxBatchItems`
 * (or `maxBatchWeight`) is reached, or `lingerMs` after its first item arrived; at most `maxInFlight`
 * batches are being sent at once; `close` refuses new items, sends everything queued and waits until
 * every submission has settled. Each `submit` resolves or rejects with its own item's fate, which the
 * `send` callback decides per entry (settle it, or `requeue` it for another attempt).
 *
 * Why batch: one PutRecords call carries up to 500 records, and one transaction can store hundreds
 * of PENDING rows with one commit; one call or one commit per order caps intake at a few hundred
 * orders/s.
 */

/** Thrown by `submit` when the intake cannot take the order; the API answers 503 for it. */
export class IntakeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IntakeUnavailableError";
  }
}

/** One submission: its item, its size, how often it was sent, and how to settle it. */
export interface BatchEntry<T> {
  readonly item: T;
  readonly weight: number;
  /** Sends so far; the owner counts them (a retried entry is sent again). */
  attempts: number;
  resolve(): void;
  reject(error: Error): void;
}

export interface MicroBatcherOptions<T> {
  /** Items per batch, at least 1. */
  maxBatchItems: number;
  /** Total weight per batch (e.g. bytes); no entry is split, so one heavier entry goes alone. */
  maxBatchWeight?: number;
  /** How long the first item of a batch waits for company. */
  lingerMs: number;
  /**
   * "immediate": with no batch in flight, a batch goes at the next turn of the event loop (with
   * whatever the current turn submitted) instead of lingering; the linger applies only while a batch
   * is in flight, when waiting costs nothing extra because the next send could not start any sooner
   * than a slot frees up. At low load every order then skips the linger (lower accept latency), and
   * at high load batches still fill while calls are in flight. "linger" (default) always lingers.
   */
  idleFlush?: "immediate" | "linger";
  /** Batches being sent at once. */
  maxInFlight: number;
  /** Submissions not yet settled (queued, in flight or waiting for a retry) before `submit` refuses. */
  maxQueued: number;
  /** What waits, in a saturation message: "records waiting for Kinesis", "orders waiting for the database". */
  waitingFor: string;
  /** Sends one batch. Must settle or requeue every entry, and never throw. */
  send(batch: BatchEntry<T>[]): Promise<void>;
}

export class MicroBatcher<T> {
  private readonly maxBatchItems: number;
  private readonly maxBatchWeight: number;
  private queue: BatchEntry<T>[] = [];
  private queuedWeight = 0;
  /** Submissions not yet settled: queued, in flight or waiting out a retry backoff. */
  private outstanding = 0;
  private inFlight = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: MicroBatcherOptions<T>) {
    this.maxBatchItems = Math.max(1, Math.floor(options.maxBatchItems));
    this.maxBatchWeight = options.maxBatchWeight ?? Number.POSITIVE_INFINITY;
  }

  submit(item: T, weight = 1): Promise<void> {
    if (this.closing) return Promise.reject(new IntakeUnavailableError("order intake is shutting down"));
    if (this.outstanding >= this.options.maxQueued) {
      return Promise.reject(
        new IntakeUnavailableError(
          `order intake is saturated (${this.outstanding} ${this.options.waitingFor})`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.outstanding++;
      this.enqueue({
        item,
        weight,
        attempts: 0,
        resolve: () => {
          this.settled();
          resolve();
        },
        reject: (error) => {
          this.settled();
          reject(error);
        },
      });
    });
  }

  /** Puts an entry back for another attempt (after the owner's backoff); it stays outstanding. */
  requeue(entry: BatchEntry<T>): void {
    this.enqueue(entry);
  }

  /** Refuses new submissions, sends everything queued and waits until every submission has settled. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.flush();
      await this.drained();
    })();
    return this.closed;
  }

  /** Submissions not yet settled (for tests and a saturation gauge). */
  get pendingCount(): number {
    return this.outstanding;
  }

  private full(): boolean {
    return this.queue.length >= this.maxBatchItems || this.queuedWeight >= this.maxBatchWeight;
  }

  private enqueue(entry: BatchEntry<T>): void {
    this.queue.push(entry);
    this.queuedWeight += entry.weight;
    if (this.full() || this.closing) this.flush();
    else this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.lingerTimer || this.immediate || this.queue.length === 0) return;
    if (this.inFlight === 0 && this.options.idleFlush === "immediate") {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
      return;
    }
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.flush();
    }, this.options.lingerMs);
  }

  /** Starts as many batches as the in-flight limit allows. */
  private flush(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.options.send(batch).finally(() => {
        this.inFlight--;
        // What queued up meanwhile: a full batch (or anything, while closing) goes now, the rest lingers.
        if (this.full() || this.closing) this.flush();
        else this.scheduleFlush();
      });
    }
  }

  private takeBatch(): BatchEntry<T>[] {
    let weight = 0;
    let count = 0;
    while (count < this.queue.length && count < this.maxBatchItems) {
      const next = this.queue[count]!;
      if (count > 0 && weight + next.weight > this.maxBatchWeight) break;
      weight += next.weight;
      count++;
    }
    this.queuedWeight -= weight;
    return this.queue.splice(0, count);
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
