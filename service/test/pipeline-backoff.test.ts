/** The per-batch backoff: doubles per consecutive failure up to the cap, jitter only adds, reset restarts. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Backoff } from "../src/pipeline/retry.js";

test("grows exponentially to the cap with up to 20 % jitter on top, and resets only when told", () => {
  const none = new Backoff(100, 1_000, () => 0);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => none.next()),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  none.reset();
  assert.equal(none.next(), 100);
  const most = new Backoff(100, 1_000, () => 0.999);
  assert.deepEqual(
    [1, 2, 3].map(() => most.next()),
    [120, 240, 480],
  );
  assert.equal(most.level, 400);
});
