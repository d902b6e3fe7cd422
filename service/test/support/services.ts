/**
 * Per-file access to the real services tests run against. Each test file gets its own database on
 * the server named by DATABASE_URL (created here, dropped by `drop()`), so files never see each
 * other's rows. Optional services (Redis, MySQL) are read from REDIS_URL / MYSQL_URL: unset means
 * "skip, and say so", except under CI=true, where a missing service is an error.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Run tests through `npm test` (which starts an embedded PostgreSQL) " +
        "or export DATABASE_URL=postgres://USER@127.0.0.1:5432/DB.",
    );
  }
  return url;
}

/** Creates a fresh, uniquely named PostgreSQL database for one test file. */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const base = new URL(requireDatabaseUrl());
  const name = `fastcart_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Returns the URL of an optional service, or a skip reason for `test(..., { skip })`.
 * Under CI=true an unset variable throws: CI must run every suite.
 */
export function optionalService(variable: "REDIS_URL" | "MYSQL_URL"): { url?: string; skip: string | false } {
  const url = process.env[variable];
  if (url) return { url, skip: false };
  if (process.env.CI === "true") {
    throw new Error(`${variable} must be set under CI=true (.ci/run exports it); refusing to skip.`);
  }
  return { skip: `${variable} is not set; set it to run these tests` };
}
