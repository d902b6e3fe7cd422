/**
 * The order lifecycle, as data. Every status write in the service is derived from it: the SQL guard
 * of each write (`WHERE status IN (sourcesOf(target))`) comes from `sourcesOf`, the decision path and
 * the cancel route check `canTransition`/`assertTransition` before they write, and the status cache
 * ranks statuses by `lifecycleRank`, so a late write of an earlier status never overwrites a later one.
 *
 *   PENDING ──► CONFIRMED ──► CANCELLED
 *      └──────► REJECTED
 */
import { ORDER_STATUSES, type OrderStatus } from "./types.js";

/** The status every order starts in (written by the API in table mode, by the worker in stream mode). */
export const INITIAL_STATUS: OrderStatus = "PENDING";

export const ALLOWED_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ["CONFIRMED", "REJECTED"],
  CONFIRMED: ["CANCELLED"],
  REJECTED: [],
  CANCELLED: [],
};

/** A status change the lifecycle does not allow. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    const allowed = ALLOWED_TRANSITIONS[from];
    super(
      `order status cannot change from ${from} to ${to}` +
        (allowed.length > 0 ? ` (allowed: ${allowed.join(", ")})` : ` (${from} is final)`),
    );
    this.name = "InvalidTransitionError";
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** Statuses no further change can leave. */
export function isFinal(status: OrderStatus): boolean {
  return ALLOWED_TRANSITIONS[status].length === 0;
}

/** The statuses `to` can be reached from: the guard of every write of `to`. */
export function sourcesOf(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => canTransition(from, to));
}

/** Statuses a worker's decision (CONFIRMED or REJECTED) may be written over. */
export const UNDECIDED_STATUSES: readonly OrderStatus[] = sourcesOf("CONFIRMED").filter((status) =>
  canTransition(status, "REJECTED"),
);

const RANK = rankFrom(INITIAL_STATUS);

/** Steps from INITIAL_STATUS along the lifecycle: 0 for PENDING, 1 for a decision, 2 for CANCELLED. */
export function lifecycleRank(status: OrderStatus): number {
  return RANK.get(status)!;
}

function rankFrom(initial: OrderStatus): Map<OrderStatus, number> {
  const rank = new Map<OrderStatus, number>([[initial, 0]]);
  const queue: OrderStatus[] = [initial];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const to of ALLOWED_TRANSITIONS[from]) {
      if (rank.has(to)) continue;
      rank.set(to, rank.get(from)! + 1);
      queue.push(to);
    }
  }
  return rank;
}
