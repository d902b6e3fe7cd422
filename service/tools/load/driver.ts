/**
 * The run itself: POST /orders is driven — by autocannon as fast as the connections go, or at an
 * offered rate by the paced open-loop sender (paced-sender.ts) — while the server's counters are
 * sampled, then the run waits for the workers to decide every accepted order.
 *
 * autocannon is a devDependency (the production image does not ship it), so it is imported lazily
 * and its absence is a clear error.
 */
import { randomBytes } from "node:crypto";
import { createLoadCatalog, randomOrderBody } from "./catalog.js";
import { histogramQuantile, type PipelineCounters, scrapeCounters } from "./metrics-text.js";
import { runPacedLoad } from "./paced-sender.js";
import { createProgress } from "./progress.js";
import { loadTarget } from "./target.js";
import type { LoadOptions, LoadReport } from "./types.js";

/** The part of autocannon's API used here (the package ships no types). */
export interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, statusCode: number) => void): void;
  on(event: "start", listener: () => void): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

export async function importAutocannon(): Promise<Autocannon> {
  // A specifier in a variable: the bundle for the image must not try to include a dev-only package.
  const name: string = "autocannon";
  try {
    const module = (await import(name)) as { default: Autocannon };
    return module.default;
  } catch (error) {
    throw new Error(
      `the load role needs the autocannon package, a devDependency of @fastcart/service (${(error as Error).message}). ` +
        "Run it from a checkout after `npm ci`, not from the production image.",
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the load against `options.url` and returns the report (throws if the API is not usable). */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const autocannon = await importAutocannon();
  const ready = await fetch(`${options.url}/ready`, { signal: AbortSignal.timeout(10_000) }).catch(
    (error: Error) => {
      throw new Error(`${options.url}/ready is not reachable: ${error.message}`);
    },
  );
  if (!ready.ok) throw new Error(`${options.url}/ready answered ${ready.status}: the system is not ready`);

  const metricsUrls = options.metricsUrls ?? [`${options.url}/metrics`];
  const runId = randomBytes(4).toString("hex");
  const catalog = await createLoadCatalog(options, runId);
  const base = await scrapeCounters(metricsUrls);
  const delta = (now: PipelineCounters) => ({
    accepted: now.accepted - base.accepted,
    decided: now.confirmed + now.rejected - base.confirmed - base.rejected,
  });

  // While the load runs: sample the counters each second (progress, lag, the decision timeline).
  let lagMax = 0;
  let lagSamples = 0;
  let backlogMax = 0;
  let accepted202 = 0;
  let startedAt = 0;
  let sampling = true;
  const progress = await createProgress(options.durationSeconds, options.progress);
  const sampler = (async () => {
    let previous: { at: number; accepted: number; decided: number } | undefined;
    while (sampling) {
      await sleep(1_000);
      if (!sampling || startedAt === 0) continue;
      try {
        const counters = await scrapeCounters(metricsUrls);
        lagMax = Math.max(lagMax, counters.lagSeconds);
        lagSamples++;
        const now = { at: Date.now(), ...delta(counters) };
        backlogMax = Math.max(backlogMax, now.accepted - now.decided);
        const seconds = previous ? (now.at - previous.at) / 1000 : (now.at - startedAt) / 1000;
        progress.update({
          elapsedSeconds: (now.at - startedAt) / 1000,
          acceptedPerSecond: (now.accepted - (previous?.accepted ?? 0)) / seconds,
          decidedPerSecond: (now.decided - (previous?.decided ?? 0)) / seconds,
          pending: now.accepted - now.decided,
          lagSeconds: counters.lagSeconds,
        });
        previous = now;
      } catch {
        // A missed sample (the API busy for > 5 s) is not a reason to abort the run.
      }
    }
  })();

  const headers = { authorization: `Bearer ${options.token}`, "content-type": "application/json" };
  const onStart = () => {
    startedAt = Date.now();
  };
  const onResponse = (statusCode: number) => {
    if (statusCode === 202) accepted202++;
  };
  let pacing: LoadReport["pacing"];
  let result: AutocannonResult;
  if (options.rate === undefined) {
    result = await new Promise<AutocannonResult>((resolve, reject) => {
      const instance = autocannon(
        {
          url: options.url,
          connections: options.connections,
          duration: options.durationSeconds,
          timeout: 10,
          method: "POST",
          headers,
          requests: [
            {
              method: "POST",
              path: "/orders",
              setupRequest: (request: Record<string, unknown>) => ({
                ...request,
                body: randomOrderBody(catalog, runId, options.items),
              }),
            },
          ],
        },
        (error, res) => (error ? reject(error) : resolve(res)),
      );
      instance.on("start", onStart);
      instance.on("response", (_client, statusCode) => onResponse(statusCode));
    });
  } else {
    const paced = await runPacedLoad({
      url: options.url,
      path: "/orders",
      headers,
      body: () => randomOrderBody(catalog, runId, options.items),
      ratePerSecond: options.rate,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      onStart,
      onResponse,
    });
    result = paced;
    pacing = {
      issueLagP99Ms: paced.issueLagP99Ms,
      maxWaitingForConnection: paced.maxWaitingForConnection,
    };
  }
  const loadEndedAt = Date.now();
  startedAt ||= loadEndedAt - result.duration * 1000;
  sampling = false;
  await sampler;
  progress.stop();

  // After the load: poll quickly until every accepted order is decided, or the drain timeout.
  const deadline = loadEndedAt + options.drainTimeoutSeconds * 1000;
  let final = { accepted: 0, decided: 0 };
  let finalCounters = base;
  let lastDecisionAt = loadEndedAt;
  let lastDecided = -1;
  for (;;) {
    const counters = await scrapeCounters(metricsUrls);
    const now = Date.now();
    finalCounters = counters;
    final = delta(counters);
    lagMax = Math.max(lagMax, counters.lagSeconds);
    if (final.decided !== lastDecided) {
      lastDecided = final.decided;
      lastDecisionAt = now;
    }
    if (final.decided >= final.accepted || now >= deadline) break;
    await sleep(100);
  }

  const statusCounts: Record<string, number> = {};
  let sent = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    sent += count;
    if (!code.startsWith("2")) statusCounts[code] = count;
  }
  const runSeconds = Math.max(0.001, (loadEndedAt - startedAt) / 1000);
  const decisionSpan = Math.max(0.001, (Math.max(lastDecisionAt, startedAt) - startedAt) / 1000);
  const complete = final.decided >= final.accepted;
  const ordersPerSecond = final.decided / decisionSpan;
  const latency = {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: Math.round(result.latency.average * 100) / 100,
  };
  return {
    url: options.url,
    runId,
    durationSeconds: Math.round(runSeconds * 100) / 100,
    connections: options.connections,
    rate: options.rate ?? null,
    skus: options.skus,
    scarceSkus: options.scarceSkus,
    requests: {
      sent,
      accepted: accepted202,
      acceptedPerSecond: Math.round(accepted202 / runSeconds),
      acceptedInFlightAtStop: Math.max(0, final.accepted - accepted202),
      non2xx: statusCounts,
      errors: result.errors,
      timeouts: result.timeouts,
    },
    latencyMs: latency,
    serverAcceptMs: serverAcceptFigures(base, finalCounters),
    ...(pacing ? { pacing } : {}),
    endToEnd: {
      accepted: final.accepted,
      confirmed: finalCounters.confirmed - base.confirmed,
      rejected: finalCounters.rejected - base.rejected,
      decided: final.decided,
      complete,
      ordersPerSecond: Math.round(ordersPerSecond),
      drainMs: complete ? Math.max(0, lastDecisionAt - loadEndedAt) : Date.now() - loadEndedAt,
      lastDecisionAfterStartMs: lastDecisionAt - startedAt,
    },
    workerLag: {
      shardLagMaxSeconds: Math.round(lagMax * 1000) / 1000,
      backlogMax,
      processingP50Seconds: roundOrNull(
        histogramQuantile(0.5, base.processingBuckets, finalCounters.processingBuckets),
      ),
      processingP99Seconds: roundOrNull(
        histogramQuantile(0.99, base.processingBuckets, finalCounters.processingBuckets),
      ),
      samples: lagSamples,
    },
    target: loadTarget(options.rate, complete, ordersPerSecond, latency.p99),
  };
}

/** p50/p99 in ms of the API's own accept timings between two scrapes (see LoadReport.serverAcceptMs). */
function serverAcceptFigures(base: PipelineCounters, final: PipelineCounters): LoadReport["serverAcceptMs"] {
  const figures = (before: Map<number, number>, after: Map<number, number>) => {
    const p50 = histogramQuantile(0.5, before, after);
    const p99 = histogramQuantile(0.99, before, after);
    return p50 === undefined || p99 === undefined
      ? null
      : { p50: Math.round(p50 * 10_000) / 10, p99: Math.round(p99 * 10_000) / 10 };
  };
  const stages: Record<string, { p50: number; p99: number }> = {};
  for (const [stage, after] of final.acceptStageBuckets) {
    const found = figures(base.acceptStageBuckets.get(stage) ?? new Map(), after);
    if (found) stages[stage] = found;
  }
  return { total: figures(base.serverAcceptBuckets, final.serverAcceptBuckets), stages };
}

const roundOrNull = (value: number | undefined) =>
  value === undefined ? null : Math.round(value * 1000) / 1000;
