/**
 * `fastcart serve`: the HTTP API, and the hourly purge of expired idempotency keys. Shutdown order:
 * stop the purge, stop accepting requests (in-flight ones finish), flush the producer so every 202
 * already answered is on the stream, then close cache and database.
 */
import { buildApp } from "../api/app.js";
import { startIdempotencyExpiry } from "../api/idempotency-expiry.js";
import type { ServiceConfig } from "../config.js";
import { createDashboardSource } from "../dashboard/data.js";
import { Lifecycle } from "../lifecycle.js";
import { OrderBatchProcessor } from "../pipeline/batch-processor.js";
import { createQuarantineAdmin } from "../pipeline/replay.js";
import { closeRuntime, createIntake, openRuntime, type Runtime } from "../runtime.js";
import { applyOrders } from "../store/processing.js";
import type { Logger } from "../telemetry/logger.js";

export interface RunningApi {
  runtime: Runtime;
  url: string;
  close(): Promise<void>;
}

export interface StartApiOptions {
  /**
   * "process" when the workers run in this process too (`fastcart local`): the dashboard can then
   * count the stream-mode backlog from the shared counters (see IntakeMode.pendingOrders).
   */
  pendingScope?: "fleet" | "process";
}

/** Starts the API on config.host:config.port; `runtime` may be shared with in-process workers. */
export async function startApi(runtime: Runtime, options: StartApiOptions = {}): Promise<RunningApi> {
  const { config, store, cache, metrics, logger } = runtime;
  const intake = createIntake(runtime);
  const quarantine = createQuarantineAdmin(
    store.db,
    new OrderBatchProcessor({ db: store.db, applyOrders, cache, logger, metrics: metrics.intake }),
  );
  const dashboard = createDashboardSource({
    environment: config.environment,
    intakeMode: runtime.mode.name,
    registry: metrics.registry,
    db: store.db,
    backlog: runtime.mode.pendingOrders(runtime, options.pendingScope ?? "fleet"),
    backlogSource: runtime.mode.pendingOrdersSource,
  });
  const app = await buildApp({ config, store, intake, cache, metrics, logger, quarantine, dashboard });
  const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: unknown) => {
    // The intake (a Kinesis client, a group-commit loop) is ours to close when the port is refused.
    await app.close();
    await intake.close();
    throw error;
  });
  logger.info({ address, intakeMode: runtime.mode.name }, "API listening");
  const stopExpiry = startIdempotencyExpiry({
    store,
    retentionHours: config.idempotencyRetentionHours,
    logger,
  });
  const port = app.server.address();
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${typeof port === "object" && port ? port.port : config.port}`;
  return {
    runtime,
    url,
    close: async () => {
      await stopExpiry();
      // Stop accepting, answer what is in flight, close kept-alive connections cleanly (api/drain.ts).
      await app.drain.close();
      await intake.close();
    },
  };
}

export async function serve(config: ServiceConfig, logger: Logger): Promise<void> {
  const lifecycle = new Lifecycle(logger);
  lifecycle.handleSignals();
  const runtime = openRuntime(config, logger);
  lifecycle.onShutdown("runtime", () => closeRuntime(runtime));
  try {
    const api = await startApi(runtime);
    lifecycle.onShutdown("api", api.close);
  } catch (error) {
    await lifecycle.shutdown().catch(() => {});
    throw error;
  }
  await lifecycle.stopped;
}
