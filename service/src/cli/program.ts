/**
 * The `fastcart` command tree. The container roles (serve, work, migrate), `token` and `smoke` are
 * always there — `smoke` because a one-off task of the image runs the suite inside a VPC whose service
 * has no public endpoint; the laptop tools (local, load, bench, plan, …) need the checkout's dev dependencies
 * and sources outside src/, so they are added only when running from a checkout — the image's
 * `fastcart --help` lists only what the image can run.
 */
import { existsSync, readFileSync } from "node:fs";
import { Command } from "commander";
import { migrateCommand } from "./commands/migrate.js";
import { serveCommand } from "./commands/serve.js";
import { smokeCommand } from "./commands/smoke.js";
import { tokenCommand } from "./commands/token.js";
import { workCommand } from "./commands/work.js";

/** What tools/cli/index.ts exports: the laptop-only commands. */
export interface LaptopCommands {
  laptopCommands(): Command[];
}

/** The service package's version (package.json sits two levels up from src/cli and dist/cli alike). */
export function serviceVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String(manifest.version);
}

/** tools/cli/index.ts when running from TypeScript sources in a checkout; undefined in the image. */
export function laptopCommandsModule(): URL | undefined {
  if (!import.meta.url.endsWith(".ts")) return undefined;
  const url = new URL("../../tools/cli/index.ts", import.meta.url);
  return existsSync(url) ? url : undefined;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command("fastcart")
    .description("FastCart Orders: the order API, its workers and the tools around them.")
    .usage("<command> [options]")
    .version(serviceVersion(), "-V, --version", "print the version")
    .helpCommand("help [command]", "show the help of a command")
    .exitOverride()
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  for (const command of [serveCommand(), workCommand(), migrateCommand(), tokenCommand(), smokeCommand()]) {
    program.addCommand(command);
  }
  const laptop = laptopCommandsModule();
  if (laptop) {
    const module = (await import(laptop.href)) as LaptopCommands;
    for (const command of module.laptopCommands()) program.addCommand(command);
  }
  const examples = laptop
    ? [
        "  npx fastcart local                 the whole system on embedded defaults (npm start)",
        "  npx fastcart token --sub c-1       a customer token (needs AUTH_JWT_SECRET)",
        "  npx fastcart <command> --help      flags, defaults and examples of one command",
      ]
    : [
        "  fastcart migrate && fastcart serve  the API, after the schema is up to date",
        "  fastcart <command> --help           flags, defaults and examples of one command",
      ];
  program.addHelpText(
    "after",
    [
      "",
      "Examples:",
      ...examples,
      "",
      "Configuration is read from the environment; see the README's configuration table.",
    ].join("\n"),
  );
  return program;
}
