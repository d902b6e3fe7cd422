/**
 * `fastcart local` (what `npm start` runs): the whole system in one process on embedded defaults.
 * The start-up itself is tools/local/local.ts; this is the terminal around it: progress lines, the
 * banner, the live status line, and the shutdown line ("stopped cleanly in 1.2 s"). A failed start
 * has already stopped what it started when it reaches main.ts, which says what to do and exits 1.
 */
import { Option } from "commander";
import { defineCommand, integerIn } from "../../src/cli/command.js";
import { type Env, readProcessEnv } from "../../src/config.js";
import { INTAKE_MODES } from "../../src/contract.js";
import { describeShutdown } from "../../src/lifecycle.js";
import { banner, type LocalOptions, startLocal } from "../../tools/local/local.js";
import { DEFAULT_STREAM_RETENTION_MINUTES } from "../../tools/local/stream-retention.js";
import { startLiveStatus } from "./live-status.js";

export function localCommand() {
  return defineCommand({
    name: "local",
    summary: "the whole system in one process on embedded defaults (what npm start runs)",
    examples: ["npx fastcart local", "npx fastcart local --port 3005 --mode table", "PORT=3005 npm start"],
    notes: [
      "Starts embedded PostgreSQL, kinesalite (stream mode), migrations, a demo catalog, the API and",
      "two workers, then prints the URLs and tokens. DATABASE_URL, KINESIS_ENDPOINT, REDIS_URL and",
      "AUTH_JWT_SECRET, when set, replace the embedded parts. Ctrl-C stops everything and deletes",
      "the temporary data.",
    ],
  })
    .option("-p, --port <port>", "port of the API (overrides PORT; default 3000)", integerIn(0, 65_535))
    .addOption(
      new Option("--mode <mode>", "intake mode (overrides INTAKE_MODE; default stream)").choices(
        INTAKE_MODES,
      ),
    )
    .option(
      "--stream-retention <minutes>",
      `minutes the embedded stream keeps records the workers committed (default ${DEFAULT_STREAM_RETENTION_MINUTES}; uncommitted ones always stay)`,
      integerIn(1, 10_080),
    )
    .action(async (options: { port?: number; mode?: string; streamRetention?: number }) => {
      const env: Env = readProcessEnv();
      if (options.port !== undefined) env.PORT = String(options.port);
      if (options.mode !== undefined) env.INTAKE_MODE = options.mode;
      await runLocal(env, { streamRetentionMinutes: options.streamRetention });
    });
}

async function runLocal(env: Env, options: Pick<LocalOptions, "streamRetentionMinutes">): Promise<void> {
  const started = Date.now();
  // On Node 20 the AWS SDK prints a multi-line notice about its 2027 releases between the start-up
  // lines; the README states the Node versions, so the laptop banner stays readable without it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  process.stderr.write("FastCart Orders — local system\n");
  const system = await startLocal(env, { ...options, handleSignals: true });
  process.stdout.write(`${banner(system)}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  const stopStatus = startLiveStatus(system.url);
  const announce = (signal: NodeJS.Signals) => {
    stopStatus();
    process.stderr.write(`\n${signal}: stopping the API, the workers, then the database…\n`);
  };
  process.once("SIGINT", announce);
  process.once("SIGTERM", announce);
  const result = await system.lifecycle.stopped;
  stopStatus();
  process.stderr.write(`${describeShutdown(result)}\n`);
}
