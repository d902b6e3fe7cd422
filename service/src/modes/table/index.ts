/**
 * Table mode (stack orders-api-prod, which has no stream): the API writes accepted orders as PENDING
 * rows, workers claim them with FOR UPDATE SKIP LOCKED and decide them in the claim's transaction.
 */
import { INTAKE_MODE_NEEDS } from "../../contract.js";
import { pendingOrderCount } from "../../store/order-store.js";
import type { IntakeMode } from "../types.js";
import { TableOrderIntake } from "./table-intake.js";
import { TableOrderWorker } from "./table-worker.js";

export const tableMode: IntakeMode = {
  name: "table",
  readinessName: "intake",
  createIntake: (runtime) =>
    new TableOrderIntake(runtime.store.db, {
      logger: runtime.logger,
      // Leave two pool connections to API reads while group commits are in flight.
      maxInFlight: Math.max(1, Math.min(4, runtime.config.database!.poolMax - 2)),
    }),
  createWorker: (runtime, options = {}) =>
    TableOrderWorker.fromConfig(
      runtime.config,
      {
        db: runtime.store.db,
        cache: runtime.cache,
        logger: runtime.logger,
        metrics: runtime.metrics.intake,
      },
      { workerId: options.workerId },
    ),
  // The queue is the table: every worker and every process sees the same PENDING rows.
  pendingOrders: (runtime) => () => pendingOrderCount(runtime.store.db),
  pendingOrdersSource: "pending-rows",
  localNeeds: INTAKE_MODE_NEEDS.table,
  async prepareLocal() {},
};
