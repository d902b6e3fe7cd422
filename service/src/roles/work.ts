/**
 * `fastcart work`: WORKER_CONCURRENCY worker loops for the configured intake mode, plus a small HTTP
 * listener for /health and /metrics (the worker container's health check and Prometheus scrape), and
 * the pending-orders reporter that feeds the autoscaling metric.
 */
import Fastify from "fastify";
import type { ServiceConfig } from "../config.js";
import { HEALTH_PATH, METRICS_PATH } from "../contract.js";
import { Lifecycle } from "../lifecycle.js";
import type { OrderWorker } from "../modes/types.js";
import { closeRuntime, createWorker, openRuntime, type Runtime } from "../runtime.js";
import { createPendingOrdersPublisher, startPendingOrdersReporter } from "../telemetry/emf.js";
import type { Logger } from "../telemetry/logger.js";

export interface RunningWorkers {
  workers: OrderWorker[];
  stop(): Promise<void>;
}

export interface StartWorkersOptions {
  maxLeasesPerWorker?: number;
  /**
   * Where pending orders are counted (IntakeMode.pendingOrders): "fleet" for `work`, "process" when
   * the API shares this process (`local`), which also samples every second instead of every 15 s.
   */
  pendingScope?: "fleet" | "process";
}

/** Starts `count` worker loops (distinct lease owners) and the pending-orders reporter, where the mode has one. */
export async function startWorkers(
  runtime: Runtime,
  count: number,
  options: StartWorkersOptions = {},
): Promise<RunningWorkers> {
  const workers = Array.from({ length: count }, () =>
    createWorker(runtime, { maxLeases: options.maxLeasesPerWorker }),
  );
  await Promise.all(workers.map((worker) => worker.start()));
  runtime.logger.info({ workers: count, intakeMode: runtime.mode.name }, "workers started");
  const scope = options.pendingScope ?? "fleet";
  const pendingOrders = runtime.mode.pendingOrders(runtime, scope);
  const stopReporter = pendingOrders
    ? startPendingOrdersReporter({
        count: pendingOrders,
        gauge: runtime.metrics.pendingOrders,
        emf: createPendingOrdersPublisher(runtime.config),
        intervalMs: scope === "process" ? 1_000 : undefined,
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

export async function work(config: ServiceConfig, logger: Logger): Promise<void> {
  const lifecycle = new Lifecycle(logger);
  lifecycle.handleSignals();
  const runtime = openRuntime(config, logger);
  lifecycle.onShutdown("runtime", () => closeRuntime(runtime));
  try {
    await startProbeAndWorkers(runtime, lifecycle);
  } catch (error) {
    // Stop what did start (probe, worker loops, pools) before main.ts reports the failure.
    await lifecycle.shutdown().catch(() => {});
    throw error;
  }
  await lifecycle.stopped;
}

async function startProbeAndWorkers(runtime: Runtime, lifecycle: Lifecycle): Promise<void> {
  const { config } = runtime;
  const probe = Fastify({ logger: false });
  probe.get(HEALTH_PATH, async () => ({ status: "ok" }));
  probe.get(METRICS_PATH, async (_request, reply) => {
    reply.type(runtime.metrics.registry.contentType);
    return runtime.metrics.registry.metrics();
  });
  await probe.listen({ host: config.host, port: config.port });
  lifecycle.onShutdown("probe", () => probe.close());
  const running = await startWorkers(runtime, config.worker.concurrency);
  lifecycle.onShutdown("workers", running.stop);
}
