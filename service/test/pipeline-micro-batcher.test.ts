/**
 * The micro-batcher both intakes share, on its own: batch size and weight limits, the linger, the
 * in-flight limit, requeued entries, refusals, and close() waiting until every submission settled.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type BatchEntry, IntakeUnavailableError, MicroBatcher } from "../src/pipeline/micro-batcher.js";

function recording(options: Partial<ConstructorParameters<typeof MicroBatcher<number>>[0]> = {}) {
  const batches: number[][] = [];
  let inFlight = 0;
  let maxSeenInFlight = 0;
  const batcher = new MicroBatcher<number>({
    maxBatchItems: 3,
    lingerMs: 5,
    maxInFlight: 2,
    maxQueued: 100,
    waitingFor: "items waiting",
    send: async (batch: BatchEntry<number>[]) => {
      inFlight++;
      maxSeenInFlight = Math.max(maxSeenInFlight, inFlight);
      batches.push(batch.map((entry) => entry.item));
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      for (const entry of batch) entry.resolve();
    },
    ...options,
  });
  return { batcher, batches, maxInFlight: () => maxSeenInFlight };
}

const nextTurns = async (turns: number) => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("MicroBatcher", () => {
  test("idleFlush immediate: with nothing in flight a batch goes next turn; while one is in flight, the rest lingers", async () => {
    const { batcher, batches } = recording({ idleFlush: "immediate", lingerMs: 60_000, maxBatchItems: 10 });
    const first = [batcher.submit(1), batcher.submit(2)];
    await nextTurns(2);
    assert.deepEqual(batches, [[1, 2]], "the idle batcher sent this turn's items without the linger");
    const later = batcher.submit(3);
    await nextTurns(5);
    assert.deepEqual(batches, [[1, 2]], "with a batch in flight the next one lingers");
    await Promise.all(first);
    await batcher.close();
    await later;
    assert.deepEqual(batches, [[1, 2], [3]]);
  });

  test("full batches go at once, at most maxInFlight at a time; the rest lingers and goes too", async () => {
    const { batcher, batches, maxInFlight } = recording();
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => batcher.submit(n)));
    assert.deepEqual(batches.flat().sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(batches.every((batch) => batch.length <= 3));
    assert.ok(maxInFlight() <= 2, `in flight at once: ${maxInFlight()}`);
  });

  test("a batch never exceeds maxBatchWeight, but one heavier entry still goes alone", async () => {
    const { batcher, batches } = recording({ maxBatchItems: 10, maxBatchWeight: 10 });
    await Promise.all([batcher.submit(1, 6), batcher.submit(2, 6), batcher.submit(3, 25)]);
    assert.deepEqual(batches, [[1], [2], [3]]);
  });

  test("close() resolves only once every submission, requeued ones included, has settled", async () => {
    const settled: number[] = [];
    let retried = false;
    const batcher: MicroBatcher<number> = new MicroBatcher<number>({
      maxBatchItems: 2,
      lingerMs: 1_000,
      maxInFlight: 1,
      maxQueued: 100,
      waitingFor: "items waiting",
      send: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        for (const entry of batch) {
          if (entry.item === 2 && !retried) {
            retried = true;
            setTimeout(() => batcher.requeue(entry), 30);
          } else entry.resolve();
        }
      },
    });
    const submissions = [1, 2, 3].map((n) => batcher.submit(n).then(() => settled.push(n)));
    await batcher.close();
    assert.deepEqual([...settled].sort(), [1, 2, 3], "close() waited for all three, the retry too");
    await Promise.all(submissions);
    await assert.rejects(batcher.submit(4), (error: Error) => error instanceof IntakeUnavailableError);
  });

  test("a full queue refuses with IntakeUnavailableError naming what waits", async () => {
    const { batcher } = recording({ maxQueued: 2, lingerMs: 60_000, maxBatchItems: 10 });
    const first = [batcher.submit(1), batcher.submit(2)];
    await assert.rejects(batcher.submit(3), /saturated \(2 items waiting\)/);
    assert.equal(batcher.pendingCount, 2);
    await batcher.close();
    await Promise.all(first);
  });
});
