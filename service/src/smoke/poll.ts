/**
 * Polling with exponential backoff under a deadline: orders are decided asynchronously by the
 * workers, so the suite asks again, quickly at first (a local system decides in milliseconds) and
 * then less often (a deployed one under load may take seconds), never past the --timeout budget.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface BackoffOptions {
  /** Absolute deadline (ms since epoch, as Date.now()). */
  deadline: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
}

/**
 * Calls `attempt` until it returns a value other than undefined, or the deadline passes (then
 * returns undefined after one last attempt at the deadline).
 */
export async function pollUntil<T>(
  attempt: () => Promise<T | undefined>,
  options: BackoffOptions,
): Promise<T | undefined> {
  const { deadline, initialDelayMs = 25, maxDelayMs = 1000, factor = 1.6 } = options;
  let delay = initialDelayMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return undefined;
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * factor, maxDelayMs);
  }
}
