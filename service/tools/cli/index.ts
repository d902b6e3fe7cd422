/**
 * The laptop and CI commands of `fastcart`: they use the checkout's dev dependencies (embedded
 * PostgreSQL, kinesalite, autocannon) and sources outside src/ (bench/, infra/, tools/), so the image
 * does not have them (src/cli/program.ts adds these only in a checkout).
 */
import type { Command } from "commander";
import { benchCommand } from "./bench.js";
import { chaosCommand } from "./chaos.js";
import { loadCommand } from "./load.js";
import { localCommand } from "./local.js";
import { planCommand } from "./plan.js";
import { verifyCommand } from "./verify.js";

export function laptopCommands(): Command[] {
  return [localCommand(), loadCommand(), benchCommand(), planCommand(), verifyCommand(), chaosCommand()];
}
