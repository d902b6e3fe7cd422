/**
 * The one-line live status `fastcart local` keeps at the bottom of a terminal while it runs: orders/s
 * accepted and decided, and the backlog, read from the dashboard's JSON (the same figures the page
 * shows). Only on a TTY: in a pipe or a CI log, a line rewritten every second would be noise.
 */
import type { DashboardData } from "../../src/dashboard/data.js";

const fmt = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The status line for one sample of the dashboard data. */
export function statusLine(data: DashboardData): string {
  const { rates, backlog, totals } = data;
  return (
    `● ${fmt(rates.acceptedPerSecond)} accepted/s · ${fmt(rates.decidedPerSecond)} decided/s · ` +
    `backlog ${backlog.pending === null ? "n/a" : fmt(backlog.pending)} · ${fmt(totals.accepted)} orders so far · Ctrl-C stops`
  );
}

/** Starts redrawing the status line every `intervalMs`; the returned function erases it and stops. */
export function startLiveStatus(
  url: string,
  stream: NodeJS.WriteStream = process.stderr,
  intervalMs = 1_000,
): () => void {
  if (!stream.isTTY) return () => {};
  let stopped = false;
  const draw = async () => {
    try {
      const response = await fetch(`${url}/dashboard/data`, { signal: AbortSignal.timeout(intervalMs * 2) });
      if (!response.ok || stopped) return;
      const line = statusLine((await response.json()) as DashboardData);
      if (!stopped) stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}`);
    } catch {
      // A busy API misses a sample; the next one redraws.
    }
  };
  const timer = setInterval(() => void draw(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    stream.write("\r\x1b[2K");
  };
}
