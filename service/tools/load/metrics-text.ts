/**
 * The server's own counters, read from its Prometheus text exposition: end-to-end throughput and
 * worker lag come from /metrics rather than from reading every order back (which would itself load
 * the API).
 */
import { HTTP_DURATION_METRIC } from "../../src/api/http-metrics.js";

export interface PipelineCounters {
  accepted: number;
  confirmed: number;
  rejected: number;
  /** Largest stream_shard_lag_seconds over all shards (0 when no shard reported yet). */
  lagSeconds: number;
  /** Cumulative order_processing_latency_seconds buckets (acceptance → decision), upper bound → count. */
  processingBuckets: Map<number, number>;
  /**
   * The API's own timing of the accepts it answered 202 (fastcart_http_request_duration_seconds of
   * POST /orders): from the request read to the response written, so without the time a request
   * waited before the server read it.
   */
  serverAcceptBuckets: Map<number, number>;
  /** order_accept_stage_seconds per step of an accept (claim, intake, cache). */
  acceptStageBuckets: Map<string, Map<number, number>>;
}

/**
 * Sums every series of each metric in a Prometheus text exposition (labels such as `environment` or
 * `reason` are summed over). Returns name → sum, and name → max for gauges that need it.
 */
export function parsePrometheus(text: string): { sum: Map<string, number>; max: Map<string, number> } {
  const sum = new Map<string, number>();
  const max = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.length === 0 || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const name = match[1]!;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    sum.set(name, (sum.get(name) ?? 0) + value);
    max.set(name, Math.max(max.get(name) ?? Number.NEGATIVE_INFINITY, value));
  }
  return { sum, max };
}

/** The labels of one series line's `{…}` part: name → value (escapes \\, \" and \n undone). */
function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels.set(
      match[1]!,
      match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c)),
    );
  }
  return labels;
}

/**
 * The sum of the series of metric `name` whose labels include every pair of `labels` (other labels
 * are summed over); undefined when no series matches, so an absent reading is not taken for 0.
 */
export function seriesValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const found = parseLabels(match[2] ?? "");
    if (Object.entries(labels).every(([key, wanted]) => found.get(key) === wanted))
      total = (total ?? 0) + value;
  }
  return total;
}

/**
 * The cumulative buckets of histogram `name` whose series carry every pair of `labels` (summed over
 * the other labels): upper bound → count.
 */
export function parseHistogramBuckets(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): Map<number, number> {
  return parseHistogramBucketsBy(text, name, undefined, labels).get("") ?? new Map();
}

/**
 * The cumulative buckets of histogram `name` per value of its label `by` (summed over the other
 * labels; every series counts under "" when `by` is undefined), keeping only series that carry
 * every pair of `labels`: label value → upper bound → count.
 */
export function parseHistogramBucketsBy(
  text: string,
  name: string,
  by: string | undefined,
  labels: Record<string, string> = {},
): Map<string, Map<number, number>> {
  const groups = new Map<string, Map<number, number>>();
  const prefix = `${name}_bucket{`;
  for (const line of text.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const close = line.lastIndexOf("}");
    const found = parseLabels(line.slice(prefix.length, close));
    const le = found.get("le");
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(/\s+/)[0],
    );
    if (le === undefined || !Number.isFinite(value)) continue;
    if (!Object.entries(labels).every(([key, wanted]) => found.get(key) === wanted)) continue;
    const group = by === undefined ? "" : found.get(by);
    if (group === undefined) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    const buckets = groups.get(group) ?? new Map<number, number>();
    groups.set(group, buckets);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  }
  return groups;
}

/**
 * The q-quantile of the observations between two snapshots of cumulative buckets, interpolated
 * linearly inside the bucket as Prometheus' histogram_quantile does. Undefined without observations;
 * the largest finite bound when the quantile falls in +Inf.
 */
export function histogramQuantile(
  q: number,
  before: Map<number, number>,
  after: Map<number, number>,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i]!;
    const count = counts[i]!;
    if (count >= rank) {
      if (!Number.isFinite(bound)) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + (bound - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

async function scrapeOne(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${metricsUrl} answered ${response.status}`);
  const text = await response.text();
  if (!text.includes("orders_accepted_total")) {
    throw new Error(`${metricsUrl} has no orders_accepted_total: is this a FastCart process's /metrics?`);
  }
  return text;
}

/**
 * The pipeline counters summed over every given /metrics endpoint: the API counts acceptances, the
 * processes running workers count decisions (in `local` both are one process and one URL).
 */
export async function scrapeCounters(metricsUrls: readonly string[]): Promise<PipelineCounters> {
  const texts = await Promise.all(metricsUrls.map(scrapeOne));
  const total: PipelineCounters = {
    accepted: 0,
    confirmed: 0,
    rejected: 0,
    lagSeconds: 0,
    processingBuckets: new Map(),
    serverAcceptBuckets: new Map(),
    acceptStageBuckets: new Map(),
  };
  const add = (into: Map<number, number>, from: Map<number, number>) => {
    for (const [bound, count] of from) into.set(bound, (into.get(bound) ?? 0) + count);
  };
  for (const text of texts) {
    const { sum, max } = parsePrometheus(text);
    total.accepted += sum.get("orders_accepted_total") ?? 0;
    total.confirmed += sum.get("orders_confirmed_total") ?? 0;
    total.rejected += sum.get("orders_rejected_total") ?? 0;
    total.lagSeconds = Math.max(total.lagSeconds, max.get("stream_shard_lag_seconds") ?? 0);
    add(total.processingBuckets, parseHistogramBuckets(text, "order_processing_latency_seconds"));
    add(
      total.serverAcceptBuckets,
      parseHistogramBuckets(text, HTTP_DURATION_METRIC, {
        route: "/orders",
        method: "POST",
        status_code: "202",
      }),
    );
    for (const [stage, buckets] of parseHistogramBucketsBy(text, "order_accept_stage_seconds", "stage")) {
      const into = total.acceptStageBuckets.get(stage) ?? new Map<number, number>();
      total.acceptStageBuckets.set(stage, into);
      add(into, buckets);
    }
  }
  return total;
}
