/** `fastcart plan`: the offline plan of an infra stack (infra/tools/plan.ts), no AWS account needed. */
import { Argument, type Command } from "commander";
import { argvOf, defineCommand } from "../../src/cli/command.js";
import { runTypeScript } from "./child.js";

const PLAN = new URL("../../../infra/tools/plan.ts", import.meta.url);
/** The stacks of the Pulumi program (infra/Pulumi.<stack>.yaml). */
export const STACKS = ["fastcart-dev", "orders-api-prod"] as const;

export function planCommand(): Command {
  const command = defineCommand({
    name: "plan",
    summary: "every resource a stack would create, with its key settings, offline (no credentials)",
    examples: [
      "npx fastcart plan fastcart-dev",
      "npx fastcart plan orders-api-prod --json prod.plan.json --check",
    ],
    notes: ["--check exits 1 on any policy violation (the same rules as pulumi preview --policy-pack)."],
  })
    .addArgument(new Argument("<stack>", "the stack to plan").choices(STACKS))
    .option(
      "--json <file>",
      "also write the graph as JSON (secrets redacted), relative to the current directory",
    )
    .option("--check", "also run the policy rules on the graph")
    .option("--quiet", "print no table (with --json: only write the file)");
  return command.action(async (stack: string) => {
    process.exitCode = await runTypeScript(PLAN, [stack, ...argvOf(command)]);
  });
}
