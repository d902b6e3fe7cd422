/**
 * `fastcart migrate`: connects as the schema owner (DB_ADMIN_USER, or locally the DATABASE_URL user),
 * applies pending schema migrations, then creates and grants the application user (DB_USER) that
 * serve and work connect as, and exits (a one-off ECS task before rollout).
 */

import type { ServiceConfig } from "../config.js";
import { ensureAppUser } from "../store/app-user.js";
import { connectionTarget } from "../store/connection-target.js";
import { PasswordFile } from "../store/credentials.js";
import { createDatabase } from "../store/database.js";
import { migrate } from "../store/migrations/index.js";
import type { Logger } from "../telemetry/logger.js";

export async function runMigrations(config: ServiceConfig, logger: Logger): Promise<string[]> {
  if (!config.database) throw new Error("no database configured: set DATABASE_URL or DB_HOST");
  const database = config.database;
  const db = createDatabase(database, { identity: "admin" });
  try {
    const applied = await migrate(db);
    logger.info(
      { applied, engine: database.engine },
      applied.length ? "migrations applied" : "schema up to date",
    );
    const admin = connectionTarget(database, { identity: "admin" }).credentials.user;
    const appUser = database.user;
    // Locally one user does everything unless DB_USER names a separate one.
    if (appUser && appUser !== admin) {
      const auth = database.auth ?? "password";
      const password =
        auth === "password"
          ? (database.password ??
            (database.passwordFile
              ? await new PasswordFile(appUser, database.passwordFile).get()
              : undefined))
          : undefined;
      await ensureAppUser(db, { user: appUser, auth, password });
      logger.info({ user: appUser, auth }, "application user granted DML on the service's tables");
    }
    return applied;
  } finally {
    await db.destroy();
  }
}
