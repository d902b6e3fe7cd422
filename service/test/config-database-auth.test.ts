/**
 * Database identity and authentication settings: the shapes the task definitions use are valid
 * (api/worker: DB_AUTH=iam, DB_USER, DB_TLS=true, DB_HOST, no password; migrate: admin credentials
 * from the master secret, DB_USER, DB_AUTH=iam), and each broken rule is named.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, type ConfigNeeds, type Env, loadConfig } from "../src/config.js";

const SECRET = "config-test-secret-0123456789abcdef";
const AWS_DB: Env = {
  DB_ENGINE: "postgres",
  DB_HOST: "writer.example",
  DB_PORT: "5432",
  DB_NAME: "fastcart",
  DB_TLS: "true",
  INTAKE_MODE: "table",
};
const SERVE: ConfigNeeds = { database: true, auth: true };
const MIGRATE: ConfigNeeds = { database: true, auth: false, adminCredentials: true };

function problemsOf(env: Env, needs: ConfigNeeds = SERVE): string[] {
  try {
    loadConfig(env, needs);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("database authentication settings", () => {
  test("api/worker with IAM auth: valid without any password", () => {
    const config = loadConfig(
      {
        ...AWS_DB,
        DB_AUTH: "iam",
        DB_USER: "fastcart_app",
        AWS_REGION: "eu-central-1",
        AUTH_JWT_SECRET: SECRET,
      },
      SERVE,
    );
    assert.equal(config.database?.auth, "iam");
    assert.equal(config.database?.user, "fastcart_app");
    assert.equal(config.database?.region, "eu-central-1");
    assert.equal(config.database?.password, undefined);
  });

  test("migrate: admin credentials + DB_USER + DB_AUTH=iam is valid (it signs no token)", () => {
    const config = loadConfig(
      { ...AWS_DB, DB_AUTH: "iam", DB_USER: "fastcart_app", DB_ADMIN_USER: "master", DB_ADMIN_PASSWORD: "m" },
      MIGRATE,
    );
    assert.deepEqual(config.database?.admin, { user: "master", password: "m" });
  });

  test("IAM needs TLS, a region and DB_USER, and no password", () => {
    const problems = problemsOf({
      ...AWS_DB,
      DB_TLS: "false",
      DB_AUTH: "iam",
      DB_PASSWORD: "p",
      AUTH_JWT_SECRET: SECRET,
    });
    for (const expected of [
      "DB_TLS: must be true with DB_AUTH=iam",
      "AWS_REGION: required with DB_AUTH=iam",
      "DB_USER: required with DB_AUTH=iam",
      "DB_PASSWORD: must not be set with DB_AUTH=iam",
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(expected)),
        `${expected} in ${problems.join(" | ")}`,
      );
    }
  });

  test("password auth with DB_HOST needs DB_PASSWORD or DB_PASSWORD_FILE, not both", () => {
    const base = { ...AWS_DB, DB_USER: "app", AUTH_JWT_SECRET: SECRET };
    assert.ok(
      problemsOf(base).some((p) => p.startsWith("DB_PASSWORD: required with DB_HOST and DB_AUTH=password")),
    );
    assert.deepEqual(problemsOf({ ...base, DB_PASSWORD_FILE: "/run/secrets/db" }), []);
    assert.ok(
      problemsOf({ ...base, DB_PASSWORD: "p", DB_PASSWORD_FILE: "/f" }).some((p) =>
        p.startsWith("DB_PASSWORD_FILE: set either DB_PASSWORD or DB_PASSWORD_FILE"),
      ),
    );
  });

  test("migrate with DB_AUTH=iam needs the admin credentials; with passwords one user may do all", () => {
    const iam = { ...AWS_DB, DB_USER: "app", DB_AUTH: "iam" };
    assert.ok(
      problemsOf(iam, MIGRATE).some((p) =>
        p.startsWith("DB_ADMIN_USER: required for migrate with DB_AUTH=iam"),
      ),
    );
    assert.ok(
      problemsOf({ ...iam, DB_ADMIN_USER: "m" }, MIGRATE).some((p) =>
        p.startsWith("DB_ADMIN_PASSWORD: required with DB_ADMIN_USER"),
      ),
    );
    assert.deepEqual(problemsOf({ ...AWS_DB, DB_USER: "owner", DB_PASSWORD: "p" }, MIGRATE), []);
    assert.ok(
      problemsOf({ ...AWS_DB, DB_USER: "app", DB_AUTH: "kerberos" }, MIGRATE).some((p) =>
        p.startsWith("DB_AUTH: must be one of password, iam"),
      ),
    );
  });

  test("locally one URL user does everything unless DB_USER names another", () => {
    const local = loadConfig({
      DATABASE_URL: "postgres://me@127.0.0.1/db",
      INTAKE_MODE: "table",
      AUTH_JWT_SECRET: SECRET,
    });
    assert.equal(local.database?.user, undefined);
    assert.equal(local.database?.auth, "password");
  });
});
