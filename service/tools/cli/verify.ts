/**
 * `fastcart verify`: checks a deployed stack against its offline plan (infra/tools/verify.ts), read-only
 * through the AWS SDK, then the smoke suite. The same program as `npm run verify`; this only gives it the
 * command's help and flag checking.
 */
import { type Command, Option } from "commander";
import { defineCommand } from "../../src/cli/command.js";
import { runTypeScript } from "./child.js";
import { STACKS } from "./plan.js";

const VERIFY = new URL("../../../infra/tools/verify.ts", import.meta.url);

export function verifyCommand(): Command {
  const command = defineCommand({
    name: "verify",
    summary: "check a deployed stack against its plan through the AWS SDK (read-only), then smoke it",
    examples: [
      "npx fastcart verify --stack fastcart-dev --list",
      "npx fastcart verify --stack orders-api-prod --outputs cfn-outputs/flat-outputs.json --json report.json",
      "npx fastcart verify --stack fastcart-dev --smoke",
    ],
    notes: [
      "Exit 0 when every check passes, 1 when one fails, 3 when nothing could be verified (no credentials, no outputs).",
    ],
  })
    .addOption(new Option("--stack <stack>", "the deployed stack").choices(STACKS).makeOptionMandatory())
    .option(
      "--outputs <file>",
      "stack outputs as a flat JSON object (default: pulumi stack output, else cfn-outputs/flat-outputs.json)",
    )
    .option("--json <report>", "also write the results as JSON")
    .option("--list", "print the checks for the stack, one a line (no AWS calls)")
    .option("--only <ids>", "run only these checks (comma-separated ids, as --list prints them)")
    .option("--smoke", "also run the smoke suite (fastcart-dev: as a one-off ECS task in the VPC)")
    .option("--skip-smoke", "leave the smoke suite out (passed on as --no-smoke)")
    .option("--print-policy", "print the IAM policy the verifier needs and exit")
    .option("--account <id>", "the account id to fill into --print-policy");
  return command.action(async () => {
    const o = command.opts<Record<string, string | boolean | undefined>>();
    const argv = ["--stack", String(o.stack)];
    for (const name of ["outputs", "json", "only", "account"] as const)
      if (typeof o[name] === "string") argv.push(`--${name}`, o[name] as string);
    if (o.list) argv.push("--list");
    if (o.smoke) argv.push("--smoke");
    if (o.skipSmoke) argv.push("--no-smoke");
    if (o.printPolicy) argv.push("--print-policy");
    process.exitCode = await runTypeScript(VERIFY, argv);
  });
}
