/**
 * `fastcart chaos`: the bounded fault scenarios (tools/chaos/cli.ts) on private PostgreSQL,
 * kinesalite and Redis. That runner keeps its own validation (exit 2 naming the option); commander
 * gives it the same --help, unknown-flag usage and exit codes as every other command.
 */
import type { Command } from "commander";
import { argvOf, defineCommand } from "../../src/cli/command.js";
import { SCENARIOS } from "../chaos/scenarios.js";
import { runTypeScript } from "./child.js";

const CHAOS = new URL("../chaos/cli.ts", import.meta.url);

export function chaosCommand(): Command {
  const command = defineCommand({
    name: "chaos",
    summary: "fault scenarios under load on private components: 0 lost, 0 decided twice, stock exact",
    examples: [
      "npx fastcart chaos --short",
      "npx fastcart chaos --scenario worker-sigkill,postgres-restart --orders 400",
    ],
    notes: [
      "Scenarios:",
      ...SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(18)} ${scenario.what}`),
      "",
      "Exit 1 when a scenario fails. Ports 4600-4621 (CHAOS_PORT_BASE moves them); CHAOS_LOGS=1",
      "shows the children's stderr.",
    ],
  })
    .option("--scenario <names>", "comma-separated scenario names (default: all)")
    .option("--orders <n>", "orders per scenario, 10 to 100000 (default 400; 100 with --short)")
    .option("--short", "CI: worker-sigkill with one kill and 100 orders");
  return command.action(async () => {
    process.exitCode = await runTypeScript(CHAOS, argvOf(command));
  });
}
