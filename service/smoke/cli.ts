/**
 * `npm run smoke -- --url <base-url> --token <admin-token> [...]`: the smoke suite's entry point.
 * Exit code 0 when every check passed, 1 when one failed, 2 on a usage error.
 */
import { parseSmokeArgs, USAGE, UsageError } from "./args.js";
import { formatJson } from "./report.js";
import { runSmoke } from "./smoke.js";

async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseSmokeArgs>;
  try {
    command = parseSmokeArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`smoke: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { options } = command;
  const report = await runSmoke(options, {
    line: (text) => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
  });
  if (options.json) process.stdout.write(`${formatJson(report)}\n`);
  return report.ok ? 0 : 1;
}

// npm passes `--` through when called as `npm run smoke -- --url …`; parseArgs must not see it.
const argv = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--"));
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`smoke: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
