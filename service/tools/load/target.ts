/**
 * What a load run is judged against: a throttled run (--rate) against the rate it offered — a run
 * capped at 200/s cannot reach 2,000/s, and says nothing about it — allowing 5 % for autocannon's
 * pacing; an unthrottled one against the 2,000 orders/s goal. Accept p99 < 50 ms either way.
 */
import { LOAD_TARGET, type LoadReport } from "./types.js";

/** How far below its offered rate a throttled run may decide and still have kept up. */
export const OFFERED_RATE_SLACK = 0.05;

export function loadTarget(
  rate: number | undefined,
  complete: boolean,
  ordersPerSecond: number,
  p99Ms: number,
): LoadReport["target"] {
  const basis = rate === undefined ? "goal" : "offered rate";
  const goal = rate ?? LOAD_TARGET.ordersPerSecond;
  const needed = rate === undefined ? goal : Math.floor(goal * (1 - OFFERED_RATE_SLACK));
  return {
    ordersPerSecond: goal,
    basis,
    p99Ms: LOAD_TARGET.p99Ms,
    met: complete && ordersPerSecond >= needed && p99Ms < LOAD_TARGET.p99Ms,
  };
}
