/**
 * What /dashboard/data answers: the live figures of the order pipeline as this API process sees them.
 * Rates and latency come from its metrics registry (metrics-window.ts); the latest orders, low stock,
 * the open quarantine entries and (table mode) the PENDING rows from the database. One computation
 * per second at most, however many pages poll.
 */
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import type { IntakeMode } from "../contract.js";
import { countOpenByReason } from "../store/quarantine-store.js";
import type { Database } from "../store/schema.js";
import { MetricsWindow } from "./metrics-window.js";
import { type LatestOrder, type LowStockProduct, latestOrders, lowStock } from "./queries.js";

export interface DashboardData {
  at: string;
  environment: string;
  intakeMode: IntakeMode;
  totals: { accepted: number; confirmed: number; rejected: number };
  rates: { acceptedPerSecond: number; decidedPerSecond: number; windowSeconds: number };
  acceptLatencyMs: { p50: number | null; p99: number | null };
  backlog: {
    /** Orders accepted and not yet decided; null when this process cannot know (the API alone in stream mode). */
    pending: number | null;
    /** Where `pending` comes from. */
    source: "pending-rows" | "this-process" | "unknown";
    /** Kinesis MillisBehindLatest per shard, in seconds, as reported by workers in this process. */
    shards: { shard: string; lagSeconds: number }[];
  };
  rejections: Record<string, number>;
  /** Entries waiting in the quarantine (state QUARANTINED: neither replayed nor discarded). */
  quarantined: number | null;
  lowStock: LowStockProduct[];
  latestOrders: LatestOrder[];
}

export interface DashboardSourceOptions {
  environment: string;
  intakeMode: IntakeMode;
  registry: Registry;
  db: Kysely<Database>;
  /**
   * The mode's pending-orders figure (IntakeMode.pendingOrders): PENDING rows in table mode, accepted −
   * decided when the API and the workers share this process (fastcart local); absent when this process
   * cannot know it (the API alone in stream mode).
   */
  backlog?: () => Promise<number>;
  /** What `backlog` counts (IntakeMode.pendingOrdersSource); "this-process" when unset. */
  backlogSource?: "pending-rows" | "this-process";
}

export interface DashboardSource {
  data(): Promise<DashboardData>;
}

const MIN_INTERVAL_MS = 1_000;

async function gaugeValues(registry: Registry, name: string) {
  const metric = registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}

export function createDashboardSource(options: DashboardSourceOptions): DashboardSource {
  const window = new MetricsWindow(options.registry);
  let cached: { at: number; data: Promise<DashboardData> } | undefined;

  const backlog = async (): Promise<Pick<DashboardData["backlog"], "pending" | "source">> => {
    if (options.backlog)
      return { pending: await options.backlog(), source: options.backlogSource ?? "this-process" };
    return { pending: null, source: "unknown" };
  };

  // Open entries in the quarantine table, fleet-wide: a process's quarantined_records_total counts
  // only what that process set aside, and the API process sets aside nothing.
  const quarantined = async () => {
    let open = 0;
    for (const count of (await countOpenByReason(options.db)).values()) open += count;
    return open;
  };

  const compute = async (now: number): Promise<DashboardData> => {
    const [figures, pending, shardLag, quarantine, latest, low] = await Promise.all([
      window.read(now),
      backlog(),
      gaugeValues(options.registry, "stream_shard_lag_seconds"),
      quarantined(),
      latestOrders(options.db, 10),
      lowStock(options.db, 8),
    ]);
    const { rejections, ...totals } = figures.totals;
    return {
      at: new Date(now).toISOString(),
      environment: options.environment,
      intakeMode: options.intakeMode,
      totals,
      rates: {
        acceptedPerSecond: figures.acceptedPerSecond,
        decidedPerSecond: figures.decidedPerSecond,
        windowSeconds: figures.windowSeconds,
      },
      acceptLatencyMs: figures.acceptLatencyMs,
      backlog: {
        ...pending,
        shards: shardLag
          .map((v) => ({ shard: String(v.labels.shard), lagSeconds: v.value }))
          .sort((a, b) => a.shard.localeCompare(b.shard)),
      },
      rejections,
      quarantined: quarantine,
      lowStock: low,
      latestOrders: latest,
    };
  };

  return {
    data() {
      const now = Date.now();
      if (!cached || now - cached.at >= MIN_INTERVAL_MS) {
        const data = compute(now);
        cached = { at: now, data };
        // A failed read must not be served to the next poll.
        data.catch(() => {
          if (cached?.data === data) cached = undefined;
        });
      }
      return cached.data;
    },
  };
}
