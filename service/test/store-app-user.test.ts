/**
 * The application user `migrate` creates: DML on the service's tables and nothing else, on
 * PostgreSQL and MariaDB for real (password path), re-run safe, and tables added later granted by the
 * next run. The IAM statements are checked as text where the local engines cannot run them
 * (MariaDB has no AWSAuthenticationPlugin); on PostgreSQL a local `rds_iam` role stands in for the
 * one RDS provides, so the GRANT runs for real.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { type Kysely, sql } from "kysely";
import { type Env, loadConfig } from "../src/config.js";
import { runMigrations } from "../src/roles/migrate.js";
import { ensureAppUser, mysqlAppUserStatements, postgresAppUserStatements } from "../src/store/app-user.js";
import { createDatabase } from "../src/store/database.js";
import { createTestMysqlDatabase } from "./store-helpers.js";
import { createTestDatabase, optionalService, type TestDatabase } from "./support/services.js";
import { quietLogger } from "./support/worker-harness.js";

describe("statements", () => {
  test("PostgreSQL, IAM: the role joins rds_iam, DML on the named tables and USAGE on sequences only", () => {
    const statements = postgresAppUserStatements({
      user: "fastcart_app",
      auth: "iam",
      exists: false,
      schema: "public",
      tables: ["orders", "order_items"],
      sequences: ["order_status_history_seq_seq"],
    });
    assert.deepEqual(statements, [
      'CREATE ROLE "fastcart_app" LOGIN',
      'GRANT rds_iam TO "fastcart_app"',
      'GRANT USAGE ON SCHEMA "public" TO "fastcart_app"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."orders", "public"."order_items" TO "fastcart_app"',
      'GRANT USAGE, SELECT ON SEQUENCE "public"."order_status_history_seq_seq" TO "fastcart_app"',
    ]);
  });

  test("PostgreSQL, password: an existing role keeps its (rotated) password", () => {
    const fresh = postgresAppUserStatements({
      user: "app",
      auth: "password",
      password: "it's",
      exists: false,
      schema: "public",
      tables: [],
      sequences: [],
    });
    assert.equal(fresh[0], `CREATE ROLE "app" LOGIN PASSWORD 'it''s'`);
    const again = postgresAppUserStatements({
      user: "app",
      auth: "password",
      password: "x",
      exists: true,
      schema: "public",
      tables: [],
      sequences: [],
    });
    assert.ok(again.every((s) => !/PASSWORD|CREATE/.test(s)));
  });

  test("MySQL, IAM: AWSAuthenticationPlugin AS 'RDS', TLS required, DML per table", () => {
    assert.deepEqual(
      mysqlAppUserStatements({ user: "fastcart_app", auth: "iam", database: "fastcart", tables: ["orders"] }),
      [
        "CREATE USER IF NOT EXISTS 'fastcart_app'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'",
        "ALTER USER 'fastcart_app'@'%' REQUIRE SSL",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON `fastcart`.`orders` TO 'fastcart_app'@'%'",
      ],
    );
  });
});

/** Runs `statement` as the application user and returns "ok" or the error's message. */
async function attempt(db: Kysely<unknown>, statement: string): Promise<string> {
  try {
    await sql.raw(statement).execute(db);
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("PostgreSQL: the application user can do DML only", () => {
  const user = `fastcart_app_${randomBytes(3).toString("hex")}`;
  let database: TestDatabase | undefined;
  let createdRdsIam = false;
  after(async () => {
    await database?.drop();
    const admin = createDatabase(
      loadConfig(
        { INTAKE_MODE: "table", DATABASE_URL: process.env.DATABASE_URL },
        { database: true, auth: false },
      ).database!,
    );
    await sql.raw(`DROP ROLE IF EXISTS ${user}`).execute(admin);
    if (createdRdsIam) await sql.raw("DROP ROLE IF EXISTS rds_iam").execute(admin);
    await admin.destroy();
  });

  test("migrate creates and grants the user; it cannot change the schema or read migration state", async () => {
    database = await createTestDatabase("appuser");
    const env: Env = {
      INTAKE_MODE: "table",
      DATABASE_URL: database.url,
      DB_USER: user,
      DB_PASSWORD: "app-password",
    };
    const adminConfig = loadConfig(env, { database: true, auth: false, adminCredentials: true });
    await runMigrations(adminConfig, quietLogger);
    await runMigrations(adminConfig, quietLogger); // re-run safe
    const app = createDatabase(loadConfig(env, { database: true, auth: false }).database!) as Kysely<unknown>;
    const admin = createDatabase(adminConfig.database!, { identity: "admin" });
    try {
      const { rows } = await sql<{ u: string }>`select current_user as u`.execute(app);
      assert.equal(rows[0]?.u, user);
      assert.equal(await attempt(app, "select count(*) from orders"), "ok");
      assert.equal(
        await attempt(
          app,
          "insert into products (sku, name, unit_price, currency, stock, updated_at) values ('APP-1', 'x', 1, 'EUR', 1, current_timestamp)",
        ),
        "ok",
      );
      assert.equal(await attempt(app, "delete from products where sku = 'APP-1'"), "ok");
      assert.match(await attempt(app, "create table intruder (id int)"), /permission denied/);
      assert.match(await attempt(app, "drop table orders"), /must be owner/);
      assert.match(await attempt(app, "alter table orders add column x int"), /must be owner/);
      assert.match(await attempt(app, "select * from kysely_migration"), /permission denied/);
      // A table added by a later migration is granted by the next run.
      await sql`create table later_table (id int)`.execute(admin);
      assert.match(await attempt(app, "select * from later_table"), /permission denied/);
      await runMigrations(adminConfig, quietLogger);
      assert.equal(await attempt(app, "select * from later_table"), "ok");
    } finally {
      await app.destroy();
      await admin.destroy();
    }
  });

  test("DB_AUTH=iam: the user is granted rds_iam (a local stand-in for the RDS role)", async () => {
    assert.ok(database, "runs after the previous test");
    const admin = createDatabase(
      loadConfig({ INTAKE_MODE: "table", DATABASE_URL: database.url }, { database: true, auth: false })
        .database!,
    );
    try {
      const { rows } = await sql`select 1 from pg_roles where rolname = 'rds_iam'`.execute(admin);
      if (rows.length === 0) {
        await sql`create role rds_iam nologin`.execute(admin);
        createdRdsIam = true;
      }
      await ensureAppUser(admin, { user, auth: "iam" });
      const member = await sql<{
        ok: boolean;
      }>`select pg_has_role(${user}, 'rds_iam', 'member') as ok`.execute(admin);
      assert.equal(member.rows[0]?.ok, true);
    } finally {
      await admin.destroy();
    }
  });
});

const mysql = optionalService("MYSQL_URL");

describe("MariaDB: the application user can do DML only", { skip: mysql.skip }, () => {
  const user = `fastcart_app_${randomBytes(3).toString("hex")}`;
  let database: TestDatabase | undefined;
  after(async () => {
    await database?.drop();
    if (!mysql.url) return;
    const admin = createDatabase(
      loadConfig({ INTAKE_MODE: "table", DATABASE_URL: mysql.url }, { database: true, auth: false })
        .database!,
    );
    await sql.raw(`DROP USER IF EXISTS '${user}'@'%'`).execute(admin);
    await admin.destroy();
  });

  test("migrate creates and grants the user; it cannot change the schema or read migration state", async () => {
    database = await createTestMysqlDatabase(mysql.url!, "appuser");
    const env: Env = {
      INTAKE_MODE: "table",
      DATABASE_URL: database.url,
      DB_USER: user,
      DB_PASSWORD: "app-password",
    };
    const adminConfig = loadConfig(env, { database: true, auth: false, adminCredentials: true });
    await runMigrations(adminConfig, quietLogger);
    await runMigrations(adminConfig, quietLogger);
    const app = createDatabase(loadConfig(env, { database: true, auth: false }).database!) as Kysely<unknown>;
    const admin = createDatabase(adminConfig.database!, { identity: "admin" });
    try {
      const { rows } = await sql<{ u: string }>`select current_user() as u`.execute(app);
      assert.equal(rows[0]?.u, `${user}@%`);
      assert.equal(await attempt(app, "select count(*) from orders"), "ok");
      assert.equal(
        await attempt(
          app,
          "insert into products (sku, name, unit_price, currency, stock, updated_at) values ('APP-1', 'x', 1, 'EUR', 1, current_timestamp)",
        ),
        "ok",
      );
      assert.equal(await attempt(app, "delete from products where sku = 'APP-1'"), "ok");
      assert.match(await attempt(app, "create table intruder (id int)"), /denied/);
      assert.match(await attempt(app, "drop table orders"), /denied/);
      assert.match(await attempt(app, "select * from kysely_migration"), /denied/);
      await sql`create table later_table (id int)`.execute(admin);
      assert.match(await attempt(app, "select * from later_table"), /denied/);
      await runMigrations(adminConfig, quietLogger);
      assert.equal(await attempt(app, "select * from later_table"), "ok");
    } finally {
      await app.destroy();
      await admin.destroy();
    }
  });
});
