/**
 * Per-process figures the bench reads from each service process's /metrics while the load runs:
 * event-loop delay (prom-client's nodejs_eventloop_lag_p99_seconds, whose histogram restarts at every
 * scrape, so each sample is the p99 of the interval since the previous one; it holds whole 10-ms
 * sampling intervals, so the interval is taken off: an idle loop reads 0, not 10 ms), resident memory at the
 * start and the end, GC time, and the stream producer's record and byte counters.
 */
import { EVENT_LOOP_MONITORING_PRECISION_MS } from "../src/telemetry/metrics.js";
import { parsePrometheus } from "../tools/load/index.js";

export interface ProcessGauges {
  process: string;
  /** Worst and median interval p99 of the event-loop delay beyond the sampling interval, in ms. */
  eventLoopP99MaxMs: number;
  eventLoopP99MedianMs: number;
  rssStartMb: number;
  rssEndMb: number;
  /** Seconds spent in GC during the load, and in how many pauses. */
  gcSeconds: number;
  gcPauses: number;
  /** Deltas over the load: Kinesis records and bytes put, orders accepted. */
  recordsPut: number;
  bytesPut: number;
  ordersAccepted: number;
}

interface Snapshot {
  rss: number;
  lagP99: number;
  gcSeconds: number;
  gcPauses: number;
  recordsPut: number;
  bytesPut: number;
  accepted: number;
}

async function scrape(url: string): Promise<Snapshot | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const { sum } = parsePrometheus(await response.text());
    return {
      rss: sum.get("process_resident_memory_bytes") ?? 0,
      lagP99: sum.get("nodejs_eventloop_lag_p99_seconds") ?? 0,
      gcSeconds: sum.get("nodejs_gc_duration_seconds_sum") ?? 0,
      gcPauses: sum.get("nodejs_gc_duration_seconds_count") ?? 0,
      recordsPut: sum.get("stream_records_put_total") ?? 0,
      bytesPut: sum.get("stream_record_bytes_put_total") ?? 0,
      accepted: sum.get("orders_accepted_total") ?? 0,
    };
  } catch {
    return undefined; // a busy process missing one sample does not end the run
  }
}

/** Samples every process every `everyMs` until `stop()`, which returns the figures per process. */
export async function sampleProcesses(
  urls: ReadonlyMap<string, string>,
  everyMs = 2_000,
): Promise<{ stop(): Promise<ProcessGauges[]> }> {
  const series = new Map<string, Snapshot[]>();
  const takeAll = async () => {
    await Promise.all(
      [...urls].map(async ([label, url]) => {
        const snapshot = await scrape(url);
        if (snapshot) series.set(label, [...(series.get(label) ?? []), snapshot]);
      }),
    );
  };
  await takeAll();
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      if (running) await takeAll();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await takeAll();
      return [...series].map(([label, snapshots]) => {
        const first = snapshots[0]!;
        const last = snapshots.at(-1)!;
        // The first sample's p99 covers the time before the load (since the process started).
        const lags = snapshots
          .slice(1)
          .map((s) => Math.max(0, s.lagP99 * 1000 - EVENT_LOOP_MONITORING_PRECISION_MS))
          .sort((a, b) => a - b);
        return {
          process: label,
          eventLoopP99MaxMs: round(lags.at(-1) ?? 0),
          eventLoopP99MedianMs: round(lags[Math.floor(lags.length / 2)] ?? 0),
          rssStartMb: Math.round(first.rss / 1024 / 1024),
          rssEndMb: Math.round(last.rss / 1024 / 1024),
          gcSeconds: round(last.gcSeconds - first.gcSeconds),
          gcPauses: last.gcPauses - first.gcPauses,
          recordsPut: last.recordsPut - first.recordsPut,
          bytesPut: last.bytesPut - first.bytesPut,
          ordersAccepted: last.accepted - first.accepted,
        };
      });
    },
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
