/**
 * What the HTTP API needs from the rest of the service. Everything is passed in (no module-level
 * singletons), so `main.ts` decides the wiring and tests build the app against real components.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { StatusCache } from "../cache/types.js";
import type { ServiceConfig } from "../config.js";
import type { DashboardSource } from "../dashboard/data.js";
import type { OrderIntake } from "../modes/types.js";
import type { QuarantineAdmin } from "../pipeline/replay.js";
import type { OrderStore } from "../store/types.js";
import type { AcceptStage } from "../telemetry/metrics.js";

/**
 * The part of the service's metrics (telemetry/metrics.ts `createMetrics()`) the API uses: the registry
 * /metrics exposes (the API adds its HTTP histogram to it), the accepted-orders counter, counted
 * once per order the intake acknowledged (not for idempotent replays), and the time of each step of
 * an accept, so the accept latency can be attributed to the claim, the intake or the cache.
 */
export interface ApiMetrics {
  readonly registry: Registry;
  readonly ordersAccepted: { inc(value?: number): void };
  observeAcceptStage(stage: AcceptStage, seconds: number): void;
}

export interface ApiDeps {
  config: ServiceConfig;
  store: OrderStore;
  intake: OrderIntake;
  cache: StatusCache;
  metrics: ApiMetrics;
  logger: Logger;
  /** The quarantine's admin endpoints (/admin/quarantine…); not registered without it. */
  quarantine?: QuarantineAdmin;
  /** The live figures behind /dashboard; without it the API serves no dashboard. */
  dashboard?: DashboardSource;
}
