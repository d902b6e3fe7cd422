/**
 * Rates and latency quantiles over the last few seconds, from the process's Prometheus registry.
 * Counters and histograms only grow, so each read keeps a sample and compares the newest with the
 * oldest one inside the window: live figures, not averages since start-up. Samples are taken when the
 * dashboard data is read (at most once a second, data.ts), so an unwatched dashboard costs nothing.
 */
import type { Registry } from "prom-client";
import { HTTP_DURATION_METRIC } from "../api/http-metrics.js";

export interface CounterTotals {
  accepted: number;
  confirmed: number;
  rejected: number;
  /** Rejections by reason (label `reason` of orders_rejected_total). */
  rejections: Record<string, number>;
}

interface Sample extends CounterTotals {
  at: number;
  /** Cumulative counts of accepted POST /orders requests (202) by bucket upper bound. */
  acceptBuckets: Map<number, number>;
}

export interface WindowFigures {
  totals: CounterTotals;
  windowSeconds: number;
  acceptedPerSecond: number;
  decidedPerSecond: number;
  acceptLatencyMs: { p50: number | null; p99: number | null };
}

type MetricValue = { value: number; labels: Record<string, string | number>; metricName?: string };

async function valuesOf(registry: Registry, name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as MetricValue[];
}

const sum = (values: MetricValue[]) => values.reduce((total, v) => total + v.value, 0);

/**
 * The q-quantile of the observations between two cumulative bucket snapshots, interpolated linearly
 * inside the bucket it falls in (as Prometheus's histogram_quantile does); null without observations.
 */
export function quantileBetween(
  q: number,
  before: Map<number, number>,
  after: Map<number, number>,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [i, bound] of bounds.entries()) {
    const count = counts[i]!;
    if (count >= rank) {
      if (!Number.isFinite(bound)) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

export class MetricsWindow {
  private readonly samples: Sample[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly windowMs = 10_000,
  ) {}

  private async sample(now: number): Promise<Sample> {
    const [accepted, confirmed, rejected, http] = await Promise.all([
      valuesOf(this.registry, "orders_accepted_total"),
      valuesOf(this.registry, "orders_confirmed_total"),
      valuesOf(this.registry, "orders_rejected_total"),
      valuesOf(this.registry, HTTP_DURATION_METRIC),
    ]);
    const rejections: Record<string, number> = {};
    for (const value of rejected) {
      const reason = String(value.labels.reason ?? "UNSPECIFIED");
      rejections[reason] = (rejections[reason] ?? 0) + value.value;
    }
    const acceptBuckets = new Map<number, number>();
    for (const value of http) {
      const { labels } = value;
      if (!value.metricName?.endsWith("_bucket") || labels.method !== "POST" || labels.route !== "/orders")
        continue;
      if (String(labels.status_code) !== "202") continue;
      const bound = labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(labels.le);
      acceptBuckets.set(bound, (acceptBuckets.get(bound) ?? 0) + value.value);
    }
    return {
      at: now,
      accepted: sum(accepted),
      confirmed: sum(confirmed),
      rejected: sum(rejected),
      rejections,
      acceptBuckets,
    };
  }

  /** Takes a sample and returns the figures between it and the oldest sample of the window. */
  async read(now = Date.now()): Promise<WindowFigures> {
    const latest = await this.sample(now);
    while (this.samples.length > 1 && now - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const oldest = this.samples[0];
    this.samples.push(latest);
    const { at: _at, acceptBuckets: _buckets, ...totals } = latest;
    if (!oldest || latest.at <= oldest.at) {
      return {
        totals,
        windowSeconds: 0,
        acceptedPerSecond: 0,
        decidedPerSecond: 0,
        acceptLatencyMs: { p50: null, p99: null },
      };
    }
    const seconds = (latest.at - oldest.at) / 1000;
    const decided = (s: Sample) => s.confirmed + s.rejected;
    const ms = (value: number | null) => (value === null ? null : Math.round(value * 1000 * 10) / 10);
    return {
      totals,
      windowSeconds: Math.round(seconds * 10) / 10,
      acceptedPerSecond: Math.round((latest.accepted - oldest.accepted) / seconds),
      decidedPerSecond: Math.round((decided(latest) - decided(oldest)) / seconds),
      acceptLatencyMs: {
        p50: ms(quantileBetween(0.5, oldest.acceptBuckets, latest.acceptBuckets)),
        p99: ms(quantileBetween(0.99, oldest.acceptBuckets, latest.acceptBuckets)),
      },
    };
  }
}
