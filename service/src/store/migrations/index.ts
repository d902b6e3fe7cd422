/**
 * Schema migrations as a static list compiled into the program (no directory scan), so the bundled
 * image migrates exactly what it was built with.
 *
 * To add a migration: write a module exporting a `SchemaMigration` with the next `NNNN_` name and add
 * it to the end of MIGRATIONS below — one line. Names must be unique and ascending (checked at start).
 */
import { type Migration, type MigrationResult, Migrator } from "kysely";
import { type AnyKysely, dialectOf } from "../dialect/index.js";
import { initialSchema } from "./0001-initial-schema.js";
import { shardLeases } from "./0002-shard-leases.js";
import { quarantine } from "./0003-quarantine.js";
import { orderIdClaims } from "./0004-order-id-claims.js";
import type { SchemaMigration } from "./migration.js";

export type { SchemaMigration } from "./migration.js";

export const MIGRATIONS: readonly SchemaMigration[] = [initialSchema, shardLeases, quarantine, orderIdClaims];

/** Thrown when a migration fails; `applied` lists what did run before it. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly applied: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MigrationError";
  }
}

function checkOrder(migrations: readonly SchemaMigration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    const previous = migrations[i - 1]!.name;
    const current = migrations[i]!.name;
    if (current <= previous) {
      throw new Error(`migration "${current}" must sort after "${previous}" (names are applied in order)`);
    }
  }
}

/**
 * Brings the schema up to date and returns the names applied by this call (empty when it already was).
 * Safe to run from several processes at once: Kysely's migrator serialises them with a lock table.
 */
export async function migrate(
  db: AnyKysely,
  migrations: readonly SchemaMigration[] = MIGRATIONS,
): Promise<string[]> {
  checkOrder(migrations);
  const engine = dialectOf(db).engine;
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          migrations.map((m): [string, Migration] => [m.name, { up: (conn) => m.up(conn, engine) }]),
        ),
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? [])
    .filter((r: MigrationResult) => r.status === "Success")
    .map((r) => r.migrationName);
  if (error) {
    const failed =
      (results ?? []).find((r) => r.status === "Error")?.migrationName ?? "(before any migration)";
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${failed} failed: ${reason}`, applied, { cause: error });
  }
  return applied;
}
