/**
 * The write path's one retry policy: conflicts are bounded by attempts, outages by time — a session
 * killed under a credential rotation is retried until the window has passed, however many attempts
 * that takes, and only then does the error stand.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type RetryPolicy, type RetryVerdict, withRetries } from "../src/pipeline/retry.js";

const outage = new Error("session killed");
const conflict = new Error("deadlock");
const verdict = (error: unknown): RetryVerdict => (error === outage ? "outage" : error === conflict);

/** An attempt that fails with `error` `times` times, then succeeds; counts its calls. */
function failing(error: Error, times: number) {
  const calls = { n: 0 };
  const attempt = async () => {
    calls.n++;
    if (calls.n <= times) throw error;
    return "stored";
  };
  return { calls, attempt };
}

const policy: RetryPolicy = {
  maxAttempts: 2,
  backoffBaseMs: 1,
  backoffMaxMs: 5,
  outageWindowMs: 10_000,
  outageBackoffMaxMs: 20,
};

test("an outage is retried past maxAttempts while the window lasts", async () => {
  const { calls, attempt } = failing(outage, 6);
  assert.equal(await withRetries(policy, verdict, attempt), "stored");
  assert.equal(calls.n, 7, "six outages ridden out with maxAttempts 2");
});

test("an outage that outlasts the window stands, after the window and not long after", async () => {
  const started = Date.now();
  const { calls, attempt } = failing(outage, Number.POSITIVE_INFINITY);
  await assert.rejects(withRetries({ ...policy, outageWindowMs: 300 }, verdict, attempt), outage);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 300, `gave up after ${elapsed} ms, before the 300 ms window ended`);
  // Generous on a busy machine: the last wait is cut to what is left of the window.
  assert.ok(elapsed < 5_000, `gave up only after ${elapsed} ms`);
  assert.ok(calls.n > policy.maxAttempts, "time, not the attempt count, bounded the outage");
});

test("conflicts stay bounded by attempts, counted apart from the outages before them", async () => {
  let calls = 0;
  const attempt = async () => {
    calls++;
    throw calls <= 3 ? outage : conflict;
  };
  await assert.rejects(withRetries(policy, verdict, attempt), conflict);
  assert.equal(calls, 3 + policy.maxAttempts, "three outages, then maxAttempts conflicts");
});

test("without a window an outage counts as an attempt; an error not retried stands at once", async () => {
  const { calls, attempt } = failing(outage, Number.POSITIVE_INFINITY);
  const { outageWindowMs: _, ...attemptsOnly } = policy;
  await assert.rejects(withRetries(attemptsOnly, verdict, attempt), outage);
  assert.equal(calls.n, policy.maxAttempts);
  const other = failing(new Error("syntax"), 1);
  await assert.rejects(withRetries(policy, verdict, other.attempt), /syntax/);
  assert.equal(other.calls.n, 1);
});
