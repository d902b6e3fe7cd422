/**
 * Offline plan: `npm run plan -- <stack> [--json FILE]`.
 *
 * Runs the Pulumi program for one stack under mocks (no CLI, plugin or credentials), prints the resource
 * graph as a table and, with --json, writes `{stack, resources:[{urn,type,name,parent,dependsOn,inputs}],
 * outputs}` with secrets redacted. The work is in src/plan/; this file only parses arguments and prints.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { planStack } from "../src/plan/plan.js";
import { knownStacks } from "../src/plan/stack-settings.js";
import { formatPlanTable } from "../src/plan/table.js";
import { policyContextForStack } from "../src/policies/context.js";
import { checkResources, RULES } from "../src/policies/rules.js";

const USAGE = `usage: npm run plan -- <stack> [--json FILE] [--check] [--quiet]
  <stack>       one of: ${knownStacks().join(", ")}
  --json FILE   also write the graph as JSON (relative paths are relative to the current directory)
  --check       also run the policy rules (src/policies) on the graph; exit 1 on any violation
  --quiet       print no table (with --json: only write the file)`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`expected exactly one stack name, got ${positionals.length}\n${USAGE}\n`);
    return 2;
  }
  const stack = positionals[0] as string;
  if (!knownStacks().includes(stack)) {
    process.stderr.write(`Unknown stack "${stack}". Known stacks: ${knownStacks().join(", ")}.\n`);
    return 2;
  }
  const started = performance.now();
  const progress = process.stderr.isTTY
    ? (count: number) => process.stderr.write(`\rplanning ${stack}: ${count} resources registered`)
    : undefined;
  if (!progress) process.stderr.write(`planning ${stack}…\n`);
  try {
    const plan = await planStack(stack, { onProgress: progress });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `${progress ? "\r" : ""}planned ${stack}: ${plan.resources.length} resources in ${seconds} s\n`,
    );
    if (!values.quiet) process.stdout.write(`${formatPlanTable(plan)}\n`);
    if (values.json !== undefined) {
      const file = resolve(process.env["INIT_CWD"] ?? process.cwd(), values.json);
      writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
      process.stderr.write(`wrote ${file}\n`);
    }
    for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (values.check) {
      const violations = checkResources(plan.resources, policyContextForStack(stack));
      for (const violation of violations)
        process.stdout.write(`VIOLATION ${violation.rule}: ${violation.message}\n  ${violation.urn}\n`);
      process.stderr.write(`policies: ${RULES.length} rules, ${violations.length} violation(s)\n`);
      if (violations.length > 0) return 1;
    }
    return 0;
  } catch (error) {
    if (progress) process.stderr.write("\n");
    process.stderr.write(`plan failed: ${(error as Error).message}\n`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "string" },
      check: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
