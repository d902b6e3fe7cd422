/**
 * An open-loop load at a fixed rate: request n is due at start + n / rate, whether or not earlier ones
 * have been answered, and its latency is measured from when it was due, not from when a free
 * connection happened to send it. That is what "accept p99 at N orders/s offered" means.
 *
 * autocannon's own rate limit is not that: each connection sends back to back until it has used its
 * share of the second, then waits for the next second, so a "2,000/s" run is a full-speed burst at the
 * start of every second followed by silence, and its latencies are those of the burst. autocannon
 * stays the generator for unthrottled runs (a saturating closed loop), this one runs `--rate`.
 *
 * Requests go over an undici pool of `connections` keep-alive connections, all opened before the
 * clock starts; when all are busy the pool queues the request and the wait counts in its latency
 * (coordinated omission corrected).
 */
import { Pool } from "undici";

export interface PacedLoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** A fresh body per request. */
  body: () => string;
  ratePerSecond: number;
  durationSeconds: number;
  connections: number;
  /** A cheap GET sent once per connection before the run, to open them all (default /health). */
  warmUpPath?: string;
  /** Per-request timeout, ms (default 10,000). */
  timeoutMs?: number;
  onStart?: () => void;
  onResponse?: (statusCode: number) => void;
}

export interface PacedLoadResult {
  /** ms from the moment each request was due until its answer had been read. */
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  /** How late the generator itself issued requests (its own event loop), p99 in ms. */
  issueLagP99Ms: number;
  /**
   * The most requests seen waiting for a free connection: above 0 the connections, not only the
   * API, limited the run (each connection carries one request at a time; raise --connections).
   */
  maxWaitingForConnection: number;
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
  /** Seconds from the first request until the last one was due. */
  duration: number;
}

/** How often the schedule is checked; every request due since the last check is issued at once. */
const TICK_MS = 1;

export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  if (!(options.ratePerSecond > 0)) throw new Error("runPacedLoad: ratePerSecond must be > 0");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = new Pool(options.url, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const total = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  const intervalMs = 1000 / options.ratePerSecond;
  const latencies = new Float64Array(total);
  const issueLag = new Float64Array(total);
  const statusCodeStats: Record<string, { count: number }> = {};
  let answered = 0;
  let errors = 0;
  let timeouts = 0;

  const send = async (n: number, dueAt: number): Promise<void> => {
    const sentAt = performance.now();
    issueLag[n] = sentAt - dueAt;
    try {
      const response = await pool.request({
        path: options.path,
        method: "POST",
        headers: options.headers,
        body: options.body(),
      });
      await response.body.dump();
      const doneAt = performance.now();
      latencies[answered] = doneAt - dueAt;
      answered++;
      const code = String(response.statusCode);
      statusCodeStats[code] = { count: (statusCodeStats[code]?.count ?? 0) + 1 };
      options.onResponse?.(response.statusCode);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (code.includes("TIMEOUT")) timeouts++;
      else errors++;
    }
  };

  // Open every connection before the clock starts (as autocannon does): connecting hundreds of
  // sockets in the first second would otherwise be measured as seconds of accept latency.
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const response = await pool.request({ path: options.warmUpPath ?? "/health", method: "GET" });
      await response.body.dump();
    }),
  );
  const inFlight: Promise<void>[] = [];
  const startedAt = performance.now();
  options.onStart?.();
  let issued = 0;
  let maxWaitingForConnection = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      maxWaitingForConnection = Math.max(maxWaitingForConnection, pool.stats.queued);
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - startedAt) / intervalMs) + 1);
      while (issued < due) {
        inFlight.push(send(issued, startedAt + issued * intervalMs));
        issued++;
      }
      if (issued >= total) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const lastDueAt = startedAt + (total - 1) * intervalMs;
  await Promise.all(inFlight);
  await pool.close();

  const done = latencies.subarray(0, answered).sort();
  const lags = issueLag.sort();
  const at = (sorted: Float64Array, q: number) =>
    sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!);
  let sum = 0;
  for (const value of done) sum += value;
  return {
    latency: {
      p50: at(done, 0.5),
      p90: at(done, 0.9),
      p99: at(done, 0.99),
      max: round(done.at(-1) ?? 0),
      average: round(answered === 0 ? 0 : sum / answered),
    },
    issueLagP99Ms: at(lags, 0.99),
    maxWaitingForConnection,
    statusCodeStats,
    errors,
    timeouts,
    duration: Math.max(0.001, (lastDueAt - startedAt) / 1000),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
