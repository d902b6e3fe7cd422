/**
 * The pending-orders figure as CloudWatch Embedded Metric Format: one JSON line on stdout, which the
 * awslogs driver ships to CloudWatch Logs, which turns it into the metric the ECS target-tracking
 * policy scales on. Namespace, name, unit and dimension come from contract.ts — the same constants
 * the infra's scaling policy is built from — so the two cannot drift apart.
 *
 * aws-embedded-metrics is used with an environment of our own instead of its auto-detection: the
 * detection probes instance-metadata endpoints over HTTP, and its default dimensions (ServiceName,
 * ServiceType, LogGroup) would make the metric a different series from the one the policy reads.
 */
import { MetricsLogger, type Unit } from "aws-embedded-metrics";
import type { IEnvironment } from "aws-embedded-metrics/lib/environment/IEnvironment.js";
import { LogSerializer } from "aws-embedded-metrics/lib/serializers/LogSerializer.js";
import type { ISink } from "aws-embedded-metrics/lib/sinks/Sink.js";
import type { ServiceConfig } from "../config.js";
import { PENDING_ORDERS_METRIC } from "../contract.js";

export interface PendingOrdersPublisher {
  publish(count: number): Promise<void>;
}

/** Where EMF lines go: stdout by default. */
export type LineWriter = (line: string) => void;

export const stdoutWriter: LineWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

/** An aws-embedded-metrics environment that writes each EMF event as one line (shared by publishers). */
export function lineEnvironment(write: LineWriter): IEnvironment {
  const serializer = new LogSerializer();
  const sink: ISink = {
    name: "FastcartStdoutSink",
    accept: async (context) => {
      for (const event of serializer.serialize(context)) write(event);
    },
  };
  return {
    probe: async () => true,
    getName: () => "fastcart",
    getType: () => "AWS::ECS::Container",
    getLogGroupName: () => "",
    configureContext: () => {},
    getSink: () => sink,
  };
}

/**
 * A publisher of PENDING_ORDERS_METRIC with the single dimension Environment=config.environment, or
 * undefined when EMF is off (config.metricsEmf false: local runs, tests).
 */
export function createPendingOrdersPublisher(
  config: Pick<ServiceConfig, "environment" | "metricsEmf">,
  write: LineWriter = stdoutWriter,
): PendingOrdersPublisher | undefined {
  if (!config.metricsEmf) return undefined;
  const environment = lineEnvironment(write);
  return {
    async publish(count) {
      const logger = new MetricsLogger(async () => environment);
      logger.setNamespace(PENDING_ORDERS_METRIC.namespace);
      logger.setDimensions({ [PENDING_ORDERS_METRIC.dimension]: config.environment }, false);
      logger.putMetric(PENDING_ORDERS_METRIC.name, count, PENDING_ORDERS_METRIC.unit as Unit);
      await logger.flush();
    },
  };
}

export interface PendingOrdersReporterOptions {
  /** Reads the current figure (e.g. the count of PENDING rows). */
  count: () => Promise<number>;
  /** Prometheus gauge to set (ServiceMetrics.pendingOrders). */
  gauge?: { set(value: number): void };
  /** EMF publisher, when enabled. */
  emf?: PendingOrdersPublisher;
  /** Default 15 s: scaling reacts within a minute without loading the database. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Samples the pending-orders figure on an interval and publishes it to the gauge and EMF. Returns a
 * stop function. A failed sample is reported to onError and skipped; the next one runs as usual.
 */
export function startPendingOrdersReporter(options: PendingOrdersReporterOptions): () => Promise<void> {
  // One sample at a time: a slow count (a loaded database) skips ticks instead of piling queries up.
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        const value = await options.count();
        options.gauge?.set(value);
        await options.emf?.publish(value);
      } catch (error) {
        options.onError?.(error);
      } finally {
        running = undefined;
      }
    })();
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 15_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
