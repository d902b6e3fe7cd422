/** `fastcart migrate`: applies pending schema migrations and exits (a one-off ECS task before rollout). */
import type { ServiceConfig } from "../config.js";
import { createDatabase } from "../store/database.js";
import { migrate } from "../store/migrations/index.js";
import type { Logger } from "../telemetry/logger.js";

export async function runMigrations(config: ServiceConfig, logger: Logger): Promise<string[]> {
  if (!config.database) throw new Error("no database configured: set DATABASE_URL or DB_HOST");
  const db = createDatabase(config.database);
  try {
    const applied = await migrate(db);
    logger.info(
      { applied, engine: config.database.engine },
      applied.length ? "migrations applied" : "schema up to date",
    );
    return applied;
  } finally {
    await db.destroy();
  }
}
