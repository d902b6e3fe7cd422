/** `fastcart work`: the order workers (the ECS "worker" container). */
import type { Command } from "commander";
import { type Env, loadConfig, readProcessEnv } from "../../config.js";
import { createLogger } from "../../telemetry/logger.js";
import { defineCommand, integerIn } from "../command.js";

export function workCommand(): Command {
  return defineCommand({
    name: "work",
    summary: "order workers for INTAKE_MODE (stream: Kinesis shards; table: PENDING rows), container role",
    examples: [
      "DATABASE_URL=postgres://127.0.0.1/fastcart KINESIS_ENDPOINT=http://127.0.0.1:4567 npx fastcart work",
      "INTAKE_MODE=table DATABASE_URL=mysql://root@127.0.0.1/fastcart npx fastcart work --concurrency 2",
    ],
    notes: [
      "Serves /health and /metrics on PORT (WORKER_PORT 3001 in ECS). Configuration comes from the",
      "environment (see the README's configuration table).",
    ],
  })
    .option(
      "-p, --port <port>",
      "port of the /health and /metrics probe (overrides PORT)",
      integerIn(0, 65_535),
    )
    .option(
      "-c, --concurrency <loops>",
      "worker loops in this process (overrides WORKER_CONCURRENCY; default 1)",
      integerIn(1, 64),
    )
    .action(async (options: { port?: number; concurrency?: number }) => {
      const env: Env = readProcessEnv();
      if (options.port !== undefined) env.PORT = String(options.port);
      if (options.concurrency !== undefined) env.WORKER_CONCURRENCY = String(options.concurrency);
      const config = loadConfig(env, { database: true, auth: false });
      const { work } = await import("../../roles/work.js");
      await work(config, createLogger(config));
    });
}
