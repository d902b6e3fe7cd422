/**
 * `fastcart work`: WORKER_CONCURRENCY worker loops for the configured intake mode, plus a small HTTP
 * listener for /health and /metrics (the worker container's health check and Prometheus scrape), and
 * the pending-orders reporter that feeds the autoscaling metric.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { ServiceConfig } from "../config.js";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "../contract.js";
import type { OrderWorker } from "../intake/types.js";
import { Lifecycle } from "../lifecycle.js";
import { workerReadiness } from "../pipeline/readiness.js";
import { closeRuntime, createWorker, openRuntime, type Runtime } from "../runtime.js";
import { pendingOrderCount } from "../store/order-store.js";
import { createPendingOrdersPublisher, startPendingOrdersReporter } from "../telemetry/emf.js";
import type { Logger } from "../telemetry/logger.js";
import type { ServiceMetrics } from "../telemetry/metrics.js";

export interface RunningWorkers {
  workers: OrderWorker[];
  stop(): Promise<void>;
}

/** Starts `count` worker loops (distinct lease owners) and, in table mode, the pending-orders reporter. */
export async function startWorkers(
  runtime: Runtime,
  count: number,
  options: { maxLeasesPerWorker?: number } = {},
): Promise<RunningWorkers> {
  const workers = Array.from({ length: count }, () =>
    createWorker(runtime, { maxLeases: options.maxLeasesPerWorker }),
  );
  await Promise.all(workers.map((worker) => worker.start()));
  runtime.logger.info({ workers: count, intakeMode: runtime.config.intakeMode }, "workers started");
  const stopReporter =
    runtime.config.intakeMode === "table"
      ? startPendingOrdersReporter({
          count: () => pendingOrderCount(runtime.store.db),
          gauge: runtime.metrics.pendingOrders,
          emf: createPendingOrdersPublisher(runtime.config),
          onError: (err) => runtime.logger.warn({ err }, "pending-orders sample failed"),
        })
      : async () => {};
  return {
    workers,
    stop: async () => {
      await stopReporter();
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
}

/**
 * The worker container's HTTP probe: /health (the container health check), /ready and /metrics.
 * Readiness is "degraded" (still 200: restarting would not cure a poison record or a database
 * outage) naming every shard failing without a commit beyond WORKER_STUCK_SHARD_SECONDS.
 */
export function createWorkerProbe(metrics: Pick<ServiceMetrics, "registry" | "progress">): FastifyInstance {
  const probe = Fastify({ logger: false });
  probe.get(HEALTH_PATH, async () => ({ status: "ok" }));
  probe.get(READY_PATH, async () => workerReadiness(metrics.progress.snapshot()));
  probe.get(METRICS_PATH, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return probe;
}

export async function work(config: ServiceConfig, logger: Logger): Promise<void> {
  const lifecycle = new Lifecycle(logger);
  lifecycle.handleSignals();
  const runtime = openRuntime(config, logger);
  lifecycle.onShutdown("runtime", () => closeRuntime(runtime));
  const probe = createWorkerProbe(runtime.metrics);
  await probe.listen({ host: config.host, port: config.port });
  lifecycle.onShutdown("probe", () => probe.close());
  const running = await startWorkers(runtime, config.worker.concurrency);
  lifecycle.onShutdown("workers", running.stop);
  await lifecycle.stopped;
}
