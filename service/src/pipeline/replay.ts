/**
 * Operator actions on a quarantined record, after the cause is fixed (a catalog row, a trigger, a
 * bug): replay it through the normal decision path, or discard it with a reason kept.
 *
 * - A stream record is decoded again and decided by the same OrderBatchProcessor the workers use
 *   (stock locks, history, cache refresh, metrics), and marked REPLAYED in that same transaction.
 * - A table-mode order is marked REPLAYED, which makes its PENDING row claimable again: the workers
 *   decide it as any other.
 *
 * Idempotent: marking is a compare-and-set on the open state, so a second replay (or a replay racing
 * a discard) changes nothing and says so; and deciding an order id twice is a no-op anyway.
 */
import type { Kysely } from "kysely";
import { decodeOrderRecord } from "../modes/stream/record.js";
import type { OrderDecision } from "../orders/types.js";
import {
  getQuarantined,
  listQuarantined,
  type QuarantinedRecord,
  type QuarantineState,
  resolveQuarantined,
} from "../store/quarantine-store.js";
import type { Database } from "../store/schema.js";
import type { OrderBatchProcessor } from "./batch-processor.js";
import { describeError, isTransientFault } from "./quarantine.js";

export type ReplayOutcome =
  | { outcome: "replayed"; record: QuarantinedRecord; decision?: OrderDecision }
  | { outcome: "not-found" }
  | { outcome: "not-open"; record: QuarantinedRecord }
  | { outcome: "undecodable"; record: QuarantinedRecord; reason: string }
  | { outcome: "failed"; record: QuarantinedRecord; error: string; transient: boolean };

/** Thrown inside the replay transaction when someone resolved the entry first: rolls the decision back. */
class AlreadyResolvedError extends Error {}

export async function replayQuarantined(
  db: Kysely<Database>,
  processor: OrderBatchProcessor,
  quarantineId: string,
  note = "replayed by an operator",
): Promise<ReplayOutcome> {
  const record = await getQuarantined(db, quarantineId);
  if (!record) return { outcome: "not-found" };
  if (record.state !== "QUARANTINED") return { outcome: "not-open", record };
  if (record.intake === "table") {
    const resolved = await resolveQuarantined(db, quarantineId, "REPLAYED", note);
    return resolved ? { outcome: "replayed", record } : { outcome: "not-open", record };
  }
  const decoded = decodeOrderRecord(record.rawData);
  if (!decoded.ok) return { outcome: "undecodable", record, reason: decoded.reason };
  try {
    const [decision] = await processor.process(
      { source: `replay:${record.quarantineId}`, orders: [decoded.order], poison: 0 },
      async (trx) => {
        if (!(await resolveQuarantined(trx, quarantineId, "REPLAYED", note)))
          throw new AlreadyResolvedError();
      },
    );
    return decision ? { outcome: "replayed", record, decision } : { outcome: "replayed", record };
  } catch (error) {
    if (error instanceof AlreadyResolvedError) return { outcome: "not-open", record };
    return { outcome: "failed", record, error: describeError(error), transient: isTransientFault(error) };
  }
}

/** Closes an open entry without deciding it; the reason is kept with it. */
export async function discardQuarantined(
  db: Kysely<Database>,
  quarantineId: string,
  reason: string,
): Promise<"discarded" | "not-found" | "not-open"> {
  if (await resolveQuarantined(db, quarantineId, "DISCARDED", reason)) return "discarded";
  return (await getQuarantined(db, quarantineId)) ? "not-open" : "not-found";
}

/** What the admin endpoints need: the quarantine, and the decision path replays go through. */
export interface QuarantineAdmin {
  list(state: QuarantineState, limit: number): Promise<QuarantinedRecord[]>;
  get(quarantineId: string): Promise<QuarantinedRecord | undefined>;
  replay(quarantineId: string, note?: string): Promise<ReplayOutcome>;
  discard(quarantineId: string, reason: string): Promise<"discarded" | "not-found" | "not-open">;
}

export function createQuarantineAdmin(db: Kysely<Database>, processor: OrderBatchProcessor): QuarantineAdmin {
  return {
    list: (state, limit) => listQuarantined(db, { state, limit }),
    get: (quarantineId) => getQuarantined(db, quarantineId),
    replay: (quarantineId, note) => replayQuarantined(db, processor, quarantineId, note),
    discard: (quarantineId, reason) => discardQuarantined(db, quarantineId, reason),
  };
}
