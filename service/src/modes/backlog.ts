/**
 * Pending orders counted from one process's own counters: accepted − decided. Exact only where the
 * API and the workers share the process (`local`), which is the only place it is used.
 */
import type { Runtime } from "../runtime.js";

async function counterTotal(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, sample) => sum + sample.value, 0);
}

export async function processBacklog(runtime: Runtime): Promise<number> {
  const { ordersAccepted, ordersConfirmed, ordersRejected } = runtime.metrics;
  const decided = (await counterTotal(ordersConfirmed)) + (await counterTotal(ordersRejected));
  return Math.max(0, (await counterTotal(ordersAccepted)) - decided);
}
