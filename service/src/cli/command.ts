/**
 * The pieces every `fastcart` command is built from (commander): the same error behaviour everywhere
 * (usage on a bad flag, exit 2; see main.ts), an example in every --help, and typed parsers for
 * numeric flags whose errors name the flag and the rule.
 */
import { Command, InvalidArgumentError } from "commander";

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Shown under the options: example command lines (one per line) and notes. */
  examples: string[];
  notes?: string[];
}

/** A command that reports bad flags through main.ts (exit 2) and prints its usage after the error. */
export function defineCommand(spec: CommandSpec): Command {
  const command = new Command(spec.name)
    .description(spec.summary)
    .exitOverride()
    .showHelpAfterError()
    .allowExcessArguments(false);
  const after = ["", "Examples:", ...spec.examples.map((line) => `  ${line}`)];
  if (spec.notes?.length) after.push("", ...spec.notes);
  command.addHelpText("after", after.join("\n"));
  return command;
}

/** A commander argument parser for a whole number within [min, max]. */
export function integerIn(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

/**
 * The command line of `command`'s parsed options, rebuilt as `--flag value` pairs. Tools that keep
 * their own validating parsers (load, bench, smoke) get exactly what the user typed, after commander
 * has refused unknown flags and answered --help.
 */
export function argvOf(command: Command): string[] {
  const values = command.opts();
  const argv: string[] = [];
  for (const option of command.options) {
    const value = values[option.attributeName()];
    if (value === undefined || value === false || option.long === "--help") continue;
    if (value === true) argv.push(option.long!);
    else argv.push(option.long!, String(value));
  }
  return argv;
}

/** A commander argument parser for text that must not be blank. */
export function nonBlank(raw: string): string {
  if (raw.trim() === "") throw new InvalidArgumentError("must not be empty.");
  return raw.trim();
}
