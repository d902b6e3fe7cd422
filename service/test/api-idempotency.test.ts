/**
 * Idempotency-Key on POST /orders, stored in PostgreSQL (SqlOrderStore), submissions through the real
 * Kinesis producer: replay, conflict, per-caller scope, concurrent duplicates (one process and two),
 * and failures that must not be remembered.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { createKinesisClient } from "../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../src/modes/stream/kinesis-intake.js";
import { createApiHarness, problemOf, RecordingIntake } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const h = perSuite(() =>
  createApiHarness("api_idem", {
    products: [{ sku: "LIME", name: "Lime", unitPrice: 30, currency: "EUR", stock: 1000 }],
  }),
);

const body = (customerId: string, quantity = 1) => ({
  customerId,
  currency: "EUR",
  items: [{ sku: "LIME", quantity }],
});

async function post(customerId: string, key: string | undefined, payload: object, app = h.app) {
  const headers = { ...(await h.customer(customerId)), ...(key ? { "idempotency-key": key } : {}) };
  return app.inject({ method: "POST", url: "/orders", headers, payload });
}

describe("Idempotency-Key", () => {
  test("same key and body → the same answer (status, body, Location), one submission", async () => {
    const key = `key-${randomUUID()}`;
    const attempts = h.intake.attempts;
    const first = await post("kim", key, body("kim", 2));
    assert.equal(first.statusCode, 202);
    assert.equal(first.headers["idempotent-replayed"], undefined);
    const second = await post("kim", key, body("kim", 2));
    assert.equal(second.statusCode, 202);
    assert.deepEqual(second.json(), first.json());
    assert.equal(second.headers.location, first.headers.location);
    assert.equal(second.headers["idempotent-replayed"], "true");
    assert.equal(h.intake.attempts, attempts + 1, "the replay submitted nothing");
  });

  test("property order does not matter (canonical JSON)", async () => {
    const key = `key-${randomUUID()}`;
    const first = await post("kim", key, {
      customerId: "kim",
      currency: "EUR",
      items: [{ sku: "LIME", quantity: 3 }],
    });
    const second = await post("kim", key, {
      items: [{ quantity: 3, sku: "LIME" }],
      currency: "EUR",
      customerId: "kim",
    });
    assert.equal(second.statusCode, 202);
    assert.equal(second.json().orderId, first.json().orderId);
  });

  test("same key, different body → 409, nothing submitted", async () => {
    const key = `key-${randomUUID()}`;
    await post("kim", key, body("kim", 1));
    const attempts = h.intake.attempts;
    const res = await post("kim", key, body("kim", 5));
    assert.equal(res.statusCode, 409);
    assert.match(problemOf(res).detail, /Idempotency-Key/);
    assert.equal(h.intake.attempts, attempts);
  });

  test("keys are scoped by caller: two customers with one key get two orders", async () => {
    const key = `shared-${randomUUID()}`;
    const a = await post("kim", key, body("kim"));
    const b = await post("lee", key, body("lee"));
    assert.equal(a.statusCode, 202);
    assert.equal(b.statusCode, 202);
    assert.notEqual(a.json().orderId, b.json().orderId);
  });

  test("the stored answer is in PostgreSQL: a second API instance replays it", async () => {
    const key = `key-${randomUUID()}`;
    const first = await post("kim", key, body("kim", 4));
    const other = await h.buildAnother();
    const attempts = h.intake.attempts;
    const replay = await post("kim", key, body("kim", 4), other);
    assert.equal(replay.statusCode, 202);
    assert.equal(replay.json().orderId, first.json().orderId);
    assert.equal(replay.headers.location, first.headers.location);
    assert.equal(h.intake.attempts, attempts);
  });

  test("concurrent duplicates in one process → one submission, every caller gets the same answer", async () => {
    const key = `key-${randomUUID()}`;
    const attempts = h.intake.attempts;
    const responses = await Promise.all(Array.from({ length: 10 }, () => post("kim", key, body("kim", 7))));
    assert.ok(responses.every((r) => r.statusCode === 202));
    assert.equal(new Set(responses.map((r) => r.json().orderId)).size, 1);
    assert.equal(h.intake.attempts, attempts + 1);
  });

  test("concurrent duplicates across two API instances → one order id, one decided order", async () => {
    const key = `key-${randomUUID()}`;
    const other = await h.buildAnother();
    const responses = await Promise.all([
      post("kim", key, body("kim", 9)),
      post("kim", key, body("kim", 9), other),
      post("kim", key, body("kim", 9)),
      post("kim", key, body("kim", 9), other),
    ]);
    assert.ok(responses.every((r) => r.statusCode === 202));
    const ids = new Set(responses.map((r) => r.json().orderId));
    assert.equal(ids.size, 1, "the order id is derived from (caller, key, body), so both instances agree");
    const [orderId] = [...ids];
    // Even if both instances put a record on the stream, the worker decides the order id once.
    const decisions = await h.decide();
    assert.equal(decisions.filter((d) => d.orderId === orderId && d.applied).length, 1);
    const page = await h.store.listOrders({ customerId: "kim", limit: 100 });
    assert.equal(page.orders.filter((o) => o.orderId === orderId).length, 1);
  });

  test("a lost insert race (putIdempotency → false) replays the winner's stored answer", async () => {
    // The real store, with both instances held just before they store their answers, so both have
    // submitted and both try to insert: exactly the cross-process race, made deterministic.
    let waiting: (() => void)[] = [];
    const barrier = () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const release of waiting) release();
          waiting = [];
        }
      });
    const racing = Object.create(h.store) as typeof h.store;
    racing.putIdempotency = async (scope, key, record) => {
      await barrier();
      return h.store.putIdempotency(scope, key, record);
    };
    const a = await h.buildAnother({ store: racing });
    const b = await h.buildAnother({ store: racing });
    const key = `key-${randomUUID()}`;
    const attempts = h.intake.attempts;
    const [ra, rb] = await Promise.all([
      post("kim", key, body("kim", 13), a),
      post("kim", key, body("kim", 13), b),
    ]);
    assert.equal(ra.statusCode, 202);
    assert.equal(rb.statusCode, 202);
    assert.equal(ra.json().orderId, rb.json().orderId);
    assert.equal(ra.headers.location, rb.headers.location);
    assert.equal(h.intake.attempts, attempts + 2, "both submitted (the same order id)");
    const replayed = [ra, rb].filter((r) => r.headers["idempotent-replayed"] === "true");
    assert.equal(replayed.length, 1, "the loser replays the winner's answer");
  });

  test("a client-chosen orderId is kept under a key", async () => {
    const orderId = randomUUID();
    const res = await post("kim", `key-${randomUUID()}`, { ...body("kim"), orderId });
    assert.equal(res.json().orderId, orderId);
  });

  test("a failed attempt (503) is not remembered: the retry with the same key succeeds", async () => {
    const broken = new RecordingIntake(
      new KinesisOrderIntake(createKinesisClient({ ...h.config.kinesis, endpoint: h.kinesis.endpoint }), {
        streamName: "no-such-stream",
        lingerMs: 1,
        maxAttempts: 1,
        closeClient: true,
      }),
    );
    const failing = await h.buildAnother({ intake: broken });
    const key = `key-${randomUUID()}`;
    const failed = await post("kim", key, body("kim", 11), failing);
    assert.equal(failed.statusCode, 503);
    assert.equal(broken.attempts, 1);
    assert.equal(broken.submitted.length, 0);
    const retried = await post("kim", key, body("kim", 11));
    assert.equal(retried.statusCode, 202);
    assert.equal(retried.headers["idempotent-replayed"], undefined);
    await broken.close();
  });

  test("without a key, a retried POST with the same orderId is still one order (worker dedupe)", async () => {
    const orderId = randomUUID();
    const first = await post("kim", undefined, { ...body("kim"), orderId });
    const second = await post("kim", undefined, { ...body("kim"), orderId });
    assert.equal(first.statusCode, 202);
    assert.equal(second.statusCode, 202);
    const decisions = await h.decide();
    assert.equal(decisions.filter((d) => d.orderId === orderId && d.applied).length, 1);
    const order = await h.store.getOrder(orderId);
    assert.equal(order?.status, "CONFIRMED");
  });
});
