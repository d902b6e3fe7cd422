/**
 * `Idempotency-Key` for POST /orders (draft-ietf-httpapi-idempotency-key-header).
 *
 * A key is scoped by caller (the token's `sub`), so two customers using the same key never see each
 * other's answers. The request is fingerprinted as the SHA-256 of the canonical JSON (keys sorted) of
 * `{caller, body}`: same key + same fingerprint → the stored answer is replayed (status, body,
 * Location); same key + other fingerprint → 409. Only successful answers (202) are stored, so a request
 * that failed (e.g. 503 because the stream was down) can be retried with the same key.
 *
 * Concurrent duplicates are handled at two levels:
 * - in one process, a single-flight map makes the second request wait for the first and replay it;
 * - across processes (two API tasks behind the ALB), the order id of a keyed request without an
 *   explicit orderId is *derived* from (caller, key, fingerprint) rather than random, so both tasks put
 *   the same order id on the stream and the worker's per-order-id dedupe makes it one order; the
 *   store's insert-if-absent (`putIdempotency` → false) then makes the loser replay the winner's answer.
 */
import { createHash } from "node:crypto";
import type { IdempotencyRecord, OrderStore } from "../store/types.js";
import { problems } from "./errors.js";

/** JSON with object keys sorted at every level, so logically equal bodies hash equally. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function requestFingerprint(caller: string, body: unknown): string {
  return createHash("sha256").update(canonicalJson({ caller, body })).digest("hex");
}

/**
 * A UUID (RFC 9562 version 8, "custom") derived from the scope, key and fingerprint: stable for a
 * retried request, different for a different body sent under a reused key.
 */
export function derivedOrderId(scope: string, key: string, fingerprint: string): string {
  const bytes = createHash("sha256").update(`${scope}\n${key}\n${fingerprint}`).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface IdempotentOutcome {
  record: IdempotencyRecord;
  replayed: boolean;
}

/**
 * Runs `perform` at most once per (scope, key) and stores its answer; replays a stored answer for an
 * identical request; 409 for a different request under the same key.
 */
export class IdempotencyGuard {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly store: OrderStore) {}

  async run(
    scope: string,
    key: string,
    fingerprint: string,
    perform: () => Promise<IdempotencyRecord>,
  ): Promise<IdempotentOutcome> {
    const flightKey = `${scope}\n${key}`;
    // Wait for an identical request already running in this process; after it, the store has its answer.
    for (let running = this.inFlight.get(flightKey); running; running = this.inFlight.get(flightKey)) {
      await running.catch(() => undefined);
    }
    const attempt = this.attempt(scope, key, fingerprint, perform);
    this.inFlight.set(flightKey, attempt);
    try {
      return await attempt;
    } finally {
      if (this.inFlight.get(flightKey) === attempt) this.inFlight.delete(flightKey);
    }
  }

  private async attempt(
    scope: string,
    key: string,
    fingerprint: string,
    perform: () => Promise<IdempotencyRecord>,
  ): Promise<IdempotentOutcome> {
    const stored = await this.store.getIdempotency(scope, key);
    if (stored) return { record: matching(stored, fingerprint), replayed: true };
    const record = await perform();
    if (await this.store.putIdempotency(scope, key, record)) return { record, replayed: false };
    // Another process stored an answer for this key first: answer as it did.
    const winner = await this.store.getIdempotency(scope, key);
    if (!winner) throw new Error("idempotency record vanished after a conflicting insert");
    return { record: matching(winner, fingerprint), replayed: true };
  }
}

function matching(stored: IdempotencyRecord, fingerprint: string): IdempotencyRecord {
  if (stored.requestHash !== fingerprint) {
    throw problems.conflict(
      "this Idempotency-Key was already used with a different request body; use a new key for a new request",
    );
  }
  return stored;
}
