/** `fastcart migrate`: applies the schema migrations and exits (the one-off ECS migrate task). */
import type { Command } from "commander";
import { loadConfig, readProcessEnv } from "../../config.js";
import { createLogger } from "../../telemetry/logger.js";
import { defineCommand } from "../command.js";
import { StartupError } from "../failure.js";

export function migrateCommand(): Command {
  return defineCommand({
    name: "migrate",
    summary: "apply pending database migrations, then exit (container role: the migrate task)",
    examples: [
      "DATABASE_URL=postgres://postgres@127.0.0.1:5432/fastcart npx fastcart migrate",
      "DATABASE_URL=mysql://root@127.0.0.1:3306/fastcart npx fastcart migrate",
    ],
    notes: ["Idempotent: an up-to-date schema is left as it is (exit 0)."],
  }).action(async () => {
    const config = loadConfig(readProcessEnv(), { database: true, auth: false, adminCredentials: true });
    const { runMigrations } = await import("../../roles/migrate.js");
    await runMigrations(config, createLogger(config)).catch((error: unknown) => {
      throw new StartupError("migrations failed", "fix the database or its URL, then run it again", {
        cause: error,
      });
    });
  });
}
