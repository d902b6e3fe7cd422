/**
 * QUARANTINED_RECORDS_METRIC as CloudWatch Embedded Metric Format: one line per quarantine event with
 * the count, dimension Environment only — the series both stacks' alarms watch (greater than zero:
 * somebody has to look at the quarantine). Names come from contract.ts, as the infra's alarm's do.
 * The reason is a property of the line (searchable in Logs Insights), not a dimension, so the alarm
 * reads one series whatever the reason.
 */
import { MetricsLogger, type Unit } from "aws-embedded-metrics";
import type { ServiceConfig } from "../config.js";
import { QUARANTINED_RECORDS_METRIC } from "../contract.js";
import type { QuarantineReason } from "../store/quarantine-store.js";
import { type LineWriter, lineEnvironment, stdoutWriter } from "./emf.js";

export type QuarantinePublisher = (reason: QuarantineReason, count: number) => Promise<void>;

/** Undefined when EMF is off (METRICS_EMF=false: local runs, tests). */
export function createQuarantinePublisher(
  config: Pick<ServiceConfig, "environment" | "metricsEmf">,
  write: LineWriter = stdoutWriter,
): QuarantinePublisher | undefined {
  if (!config.metricsEmf) return undefined;
  const environment = lineEnvironment(write);
  return async (reason, count) => {
    const logger = new MetricsLogger(async () => environment);
    logger.setNamespace(QUARANTINED_RECORDS_METRIC.namespace);
    logger.setDimensions({ [QUARANTINED_RECORDS_METRIC.dimension]: config.environment }, false);
    logger.setProperty("Reason", reason);
    logger.putMetric(QUARANTINED_RECORDS_METRIC.name, count, QUARANTINED_RECORDS_METRIC.unit as Unit);
    await logger.flush();
  };
}
