/**
 * `npm run verify -- --stack <stack> [--outputs FILE] [--json REPORT] [--list] [--only IDS] [--smoke | --no-smoke]`:
 * checks a deployed stack against its offline plan through the AWS SDK (read-only). The work is in
 * tools/verify/; this file parses arguments.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { knownStacks } from "../src/plan/stack-settings.js";

// The SDK's notice about future Node versions would be the first line of every run; the README states
// the supported versions.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

const USAGE = `usage: npm run verify -- --stack <stack> [--outputs FILE] [--json REPORT] [--list] [--only IDS] [--smoke | --no-smoke]
  --stack NAME         one of: ${knownStacks().join(", ")}
  --outputs FILE       stack outputs as a flat JSON object (default: \`pulumi stack output\` when the Pulumi
                       CLI is on PATH, else cfn-outputs/flat-outputs.json)
  --json REPORT        also write the results as JSON
  --list               print the checks for the stack, one a line, and exit (no AWS calls)
  --only ID[,ID…]      run only these checks (ids as --list prints them)
  --print-policy       print the IAM policy the verifier needs for the stack and exit (--account ID
                       fills in the account; default: the literal ACCOUNT_ID)
  --smoke              stacks without a public endpoint: run the smoke suite from a one-off ECS task
  --no-smoke           leave the smoke suite out
  --check-timeout SEC  upper bound of one check (default 120)
  --call-timeout SEC   upper bound of one AWS call with its retries (default 20)
  --smoke-timeout SEC  upper bound of the smoke suite (default 180)
exit: 0 all passed, 1 a check failed, 2 usage error, 3 nothing verified (no credentials, AWS unreachable, no outputs)`;

/** As main.ts defines them; repeated here so a usage error needs no Pulumi or SDK module loaded. */
const EXIT = { ok: 0, usage: 2 } as const;

function seconds(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number of seconds (got "${raw}")`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  let checkTimeoutMs: number;
  let callTimeoutMs: number;
  let smokeTimeoutSec: number;
  try {
    values = parse(argv).values;
    checkTimeoutMs = seconds("check-timeout", values["check-timeout"], 120) * 1000;
    callTimeoutMs = seconds("call-timeout", values["call-timeout"], 20) * 1000;
    smokeTimeoutSec = seconds("smoke-timeout", values["smoke-timeout"], 180);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    if (values.stack === undefined) throw new Error("--stack is required");
    if (!knownStacks().includes(values.stack)) {
      throw new Error(`unknown stack "${values.stack}" (known: ${knownStacks().join(", ")})`);
    }
    if (values.smoke && values["no-smoke"]) throw new Error("--smoke and --no-smoke exclude each other");
    if (values.account !== undefined && !/^\d{12}$/.test(values.account)) {
      throw new Error(`--account must be a 12-digit AWS account id (got "${values.account}")`);
    }
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (values["print-policy"]) {
    const { printPolicy } = await import("./verify/print-policy.js");
    process.stdout.write(`${printPolicy(values.stack, values.account ?? "ACCOUNT_ID")}\n`);
    return EXIT.ok;
  }
  // Loaded only now: the plan and the SDK clients take seconds to import, a usage error should not.
  const { verify } = await import("./verify/main.js");
  return verify(
    {
      stack: values.stack,
      outputsFile: values.outputs,
      jsonReport: values.json,
      list: values.list === true,
      ...(values.only === undefined ? {} : { only: values.only.split(",").map((id) => id.trim()) }),
      smoke: {
        inVpc: values.smoke === true,
        skip: values["no-smoke"] === true,
        waitReadySec: 120,
        timeoutSec: smokeTimeoutSec,
        pollMs: 5_000,
      },
      checkTimeoutMs,
      aws: { callTimeoutMs },
      cwd: process.env["INIT_CWD"] ?? process.cwd(),
      programDir: dirname(dirname(fileURLToPath(import.meta.url))),
      usePulumiCli: true,
    },
    { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  );
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv.filter((arg, i) => !(i === 0 && arg === "--")),
    options: {
      stack: { type: "string" },
      outputs: { type: "string" },
      json: { type: "string" },
      list: { type: "boolean" },
      only: { type: "string" },
      "print-policy": { type: "boolean" },
      account: { type: "string" },
      smoke: { type: "boolean" },
      "no-smoke": { type: "boolean" },
      "check-timeout": { type: "string" },
      "call-timeout": { type: "string" },
      "smoke-timeout": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // A bug, not a finding: still one line, and an exit code that is not a verdict.
  process.stderr.write(`verify: internal error: ${(error as Error)?.message ?? String(error)}\n`);
  process.exitCode = 3;
}
