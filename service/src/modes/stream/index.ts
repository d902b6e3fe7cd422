/**
 * Stream mode (stack fastcart-dev): the API puts accepted orders on Kinesis, workers lease shards and
 * decide each batch of records in one transaction with the shard's checkpoint.
 */

import { INTAKE_MODE_NEEDS } from "../../contract.js";
import { processBacklog } from "../backlog.js";
import type { IntakeMode } from "../types.js";
import { createKinesisClient, ensureStream } from "./kinesis-client.js";
import { KinesisOrderIntake } from "./kinesis-intake.js";
import { KinesisOrderWorker } from "./kinesis-worker.js";

export const streamMode: IntakeMode = {
  name: "stream",
  readinessName: "stream",
  createIntake: (runtime) =>
    KinesisOrderIntake.fromConfig(runtime.config, {
      logger: runtime.logger,
      onRecordsPut: (records, bytes) => {
        runtime.metrics.streamRecordsPut.inc(records);
        runtime.metrics.streamBytesPut.inc(bytes);
      },
    }),
  createWorker: (runtime, options = {}) =>
    KinesisOrderWorker.fromConfig(
      runtime.config,
      {
        db: runtime.store.db,
        cache: runtime.cache,
        logger: runtime.logger,
        metrics: runtime.metrics.intake,
      },
      { workerId: options.workerId, maxLeases: options.maxLeases },
    ),
  // Records on the stream cannot be counted; in one process the API's and the workers' counters can.
  pendingOrders: (runtime, scope) => (scope === "process" ? () => processBacklog(runtime) : undefined),
  pendingOrdersSource: "this-process",
  localNeeds: INTAKE_MODE_NEEDS.stream,
  async prepareLocal(config, shards) {
    const client = createKinesisClient(config.kinesis);
    try {
      await ensureStream(client, config.kinesis.streamName, shards);
    } finally {
      client.destroy();
    }
  },
};
