/**
 * Wiring: builds the service's parts from a validated ServiceConfig. Every role (serve, work, local,
 * tests of the composed system) gets its components here, so a part is constructed one way only; what
 * differs between the intake modes comes from the mode (modes/).
 */
import type { Logger } from "pino";
import { createStatusCache } from "./cache/factory.js";
import type { StatusCache } from "./cache/types.js";
import type { ServiceConfig } from "./config.js";
import { intakeModeFor } from "./modes/index.js";
import type { IntakeMode, OrderIntake, OrderWorker, WorkerOptions } from "./modes/types.js";
import { createOrderStore, type SqlOrderStore } from "./store/order-store.js";
import { createMetrics, type ServiceMetrics } from "./telemetry/metrics.js";
import { createQuarantinePublisher } from "./telemetry/quarantine-emf.js";

export interface Runtime {
  readonly config: ServiceConfig;
  readonly mode: IntakeMode;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly store: SqlOrderStore;
  readonly cache: StatusCache;
}

export interface RuntimeOptions {
  /** Cache when no Redis is configured: "memory" for the single-process local mode, else "none". */
  cacheFallback?: "memory" | "none";
  /** Prometheus process metrics (off in tests that build many runtimes). */
  processMetrics?: boolean;
}

function requireDatabase(config: ServiceConfig) {
  if (!config.database) throw new Error("no database configured: set DATABASE_URL or DB_HOST");
  return config.database;
}

/** Opens the database pool(s) and the cache. Nothing connects until first use. */
export function openRuntime(config: ServiceConfig, logger: Logger, options: RuntimeOptions = {}): Runtime {
  const publishQuarantined = createQuarantinePublisher(config);
  const metrics = createMetrics({
    environment: config.environment,
    processMetrics: options.processMetrics,
    stuckShardSeconds: config.worker.stuckShardSeconds,
    onQuarantined: publishQuarantined
      ? (reason, count) =>
          void publishQuarantined(reason, count).catch((err) =>
            logger.warn({ err }, "QuarantinedRecords EMF line not written"),
          )
      : undefined,
  });
  const store = createOrderStore(requireDatabase(config));
  const cache = createStatusCache(config.redis, {
    fallback: options.cacheFallback ?? "none",
    logger,
    keyPrefix: `fastcart:${config.environment}:`,
  });
  return { config, mode: intakeModeFor(config.intakeMode), logger, metrics, store, cache };
}

/** The intake the API submits accepted orders to, for the configured mode. */
export function createIntake(runtime: Runtime): OrderIntake {
  return runtime.mode.createIntake(runtime);
}

/** One worker loop for the configured mode; `work` starts WORKER_CONCURRENCY of them. */
export function createWorker(runtime: Runtime, options: WorkerOptions = {}): OrderWorker {
  return runtime.mode.createWorker(runtime, options);
}

/** Closes what openRuntime opened (cache, then database pools). */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.cache.close();
  await runtime.store.close();
}
