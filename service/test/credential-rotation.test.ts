/**
 * Rotation of the application user's password under load, on PostgreSQL (a private server with
 * scram authentication: the shared one trusts loopback, so it would accept any password) and on
 * MariaDB: 0 failed orders, every accepted order decided, readiness reports the refused credentials
 * while the old sessions still work, and the pool recovers by itself once the secret is updated.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { createConnection } from "mysql2/promise";
import pg from "pg";
import { StaticPassword } from "../src/store/credentials.js";
import { createPostgresPool } from "../src/store/dialect/postgres-pool.js";
import { missingBinaries, type PrivatePostgres, startPrivatePostgres } from "./support/private-servers.js";
import { type RotationFigures, runRotationUnderLoad } from "./support/rotation-scenario.js";
import { optionalService } from "./support/services.js";

const dir = mkdtempSync(join(tmpdir(), "fastcart-rotation-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function report(engine: string, f: RotationFigures): void {
  console.log(
    `rotation (${engine}): ${f.accepted} orders accepted, ${f.decided} decided, ${f.failed} failed requests; ` +
      `${f.terminatedSessions} sessions terminated; readiness 503 (${f.readinessReason}) ${f.readinessRefusedAfterMs} ms ` +
      `after ALTER USER; recovered ${f.recoveredAfterSecretUpdateMs} ms after the secret update; ` +
      `slowest request ${f.slowestRequestMs} ms`,
  );
}

function assertSurvived(f: RotationFigures): void {
  assert.deepEqual(f.failures, [], "no request may fail during the rotation");
  assert.equal(f.failed, 0);
  assert.equal(f.decided, f.accepted, "every accepted order is decided");
  assert.ok(f.terminatedSessions > 0, "the rotation ended the application user's sessions");
  assert.equal(f.readinessReason, "credentials-refused", "readiness named the refused credentials");
  assert.ok(f.recoveredAfterSecretUpdateMs !== undefined);
}

describe("PostgreSQL: password rotated mid-load", { skip: missingBinaries("postgres") }, () => {
  let server: PrivatePostgres;
  before(async () => {
    server = await startPrivatePostgres();
    const admin = new pg.Client({
      connectionString: `postgres://postgres:${server.superuserPassword}@127.0.0.1:${server.port}/postgres`,
    });
    await admin.connect();
    await admin.query("CREATE DATABASE fastcart");
    await admin.end();
  });
  after(() => server?.stop());

  test("every new physical connection asks the credential source; a pooled one does not", async () => {
    const source = new StaticPassword("postgres", server.superuserPassword);
    let asked = 0;
    const counting = Object.assign(source, {
      get: () => {
        asked++;
        return StaticPassword.prototype.get.call(source);
      },
    });
    const { pool } = createPostgresPool(
      { host: "127.0.0.1", port: server.port, database: "postgres", credentials: counting },
      { max: 3, ssl: undefined },
    );
    try {
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      for (const c of clients) c.release();
      assert.equal(asked, 3, "three new connections, three requests for the secret");
      const again = await Promise.all([pool.connect(), pool.connect()]);
      for (const c of again) c.release();
      assert.equal(asked, 3, "pooled connections reused without asking again");
    } finally {
      await pool.end();
    }
  });

  test("0 failed orders, readiness notices, the pool recovers without a restart", async () => {
    const figures = await runRotationUnderLoad(
      {
        adminUrl: `postgres://postgres:${server.superuserPassword}@127.0.0.1:${server.port}/fastcart`,
        appUser: "fastcart_app",
        changePassword: async (db, user, password) => {
          await sql
            .raw(`ALTER ROLE ${pg.escapeIdentifier(user)} PASSWORD ${pg.escapeLiteral(password)}`)
            .execute(db);
        },
        terminateSessions: async (db, user) => {
          const { rows } = await sql<{ pid: number }>`
            select pg_terminate_backend(pid) as pid from pg_stat_activity where usename = ${user}`.execute(
            db,
          );
          return rows.length;
        },
      },
      join(dir, "pg-password"),
    );
    report("postgres", figures);
    assertSurvived(figures);
  });
});

const mysql = optionalService("MYSQL_URL");

describe("MariaDB: password rotated mid-load", { skip: mysql.skip }, () => {
  const suffix = randomBytes(3).toString("hex");
  const database = `fastcart_rotation_${suffix}`;
  const appUser = `fastcart_app_${suffix}`;
  const base = new URL(mysql.url ?? "mysql://root@127.0.0.1:3306/");
  const root = () =>
    createConnection({
      host: base.hostname,
      port: Number(base.port || 3306),
      user: decodeURIComponent(base.username),
      password: decodeURIComponent(base.password),
    });

  before(async () => {
    const c = await root();
    await c.query(`CREATE DATABASE \`${database}\``);
    await c.end();
  });
  after(async () => {
    const c = await root();
    await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await c.query(`DROP USER IF EXISTS '${appUser}'@'%'`);
    await c.end();
  });

  test("0 failed orders, readiness notices, the pool recovers without a restart", async () => {
    const adminUrl = new URL(base.toString());
    adminUrl.pathname = `/${database}`;
    const figures = await runRotationUnderLoad(
      {
        adminUrl: adminUrl.toString(),
        appUser,
        changePassword: async (db, user, password) => {
          await sql`ALTER USER ${user}@'%' IDENTIFIED BY ${password}`.execute(db);
        },
        terminateSessions: async (db, user) => {
          const { rows } = await sql<{ id: number }>`
            select id from information_schema.processlist where user = ${user}`.execute(db);
          for (const { id } of rows) await sql.raw(`KILL CONNECTION ${Number(id)}`).execute(db);
          return rows.length;
        },
      },
      join(dir, "mysql-password"),
    );
    report("mariadb", figures);
    assertSurvived(figures);
  });
});
