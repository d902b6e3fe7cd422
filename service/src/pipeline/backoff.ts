/**
 * Exponential backoff with jitter, capped, for one failing batch: the wait doubles on every
 * consecutive failure of the same work and resets only once that work commits — not when the next
 * read succeeds, or a batch that fails every time would be retried at the minimum interval forever.
 * Each wait is the nominal delay plus up to 20 % at random: never shorter than the nominal delay (a
 * throttled shard must really wait that long), yet workers that failed together (a database restart)
 * do not come back in lock-step.
 */
export class Backoff {
  private current = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The un-jittered delay of the next wait (0 before any failure). */
  get level(): number {
    return this.current;
  }

  /** Records one more failure and returns how long to wait before the retry. */
  next(): number {
    this.current = this.current === 0 ? this.minMs : Math.min(this.maxMs, this.current * 2);
    return Math.round(this.current + this.random() * this.current * 0.2);
  }

  /** The work committed: the next failure starts from the minimum again. */
  reset(): void {
    this.current = 0;
  }
}
