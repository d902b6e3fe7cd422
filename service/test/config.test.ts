import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, loadConfig, readProcessEnv } from "../src/config.js";
import {
  booleanDefault,
  type EnvVarSpec,
  integerDefault,
  SECRET_ENV_NAMES,
  SERVICE_ENV,
  type ServiceEnvName,
} from "../src/contract.js";

const SECRET = "x".repeat(32);

function problemsOf(env: Record<string, string>, needs = { database: true, auth: true }): string[] {
  try {
    loadConfig(env, needs);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  return [];
}

describe("contract", () => {
  test("every env name is UPPER_SNAKE and secrets are a subset of the catalog", () => {
    for (const name of Object.keys(SERVICE_ENV)) assert.match(name, /^[A-Z][A-Z0-9_]*$/);
    assert.ok(SECRET_ENV_NAMES.includes("DB_PASSWORD"));
    assert.ok(SECRET_ENV_NAMES.includes("AUTH_JWT_SECRET"));
    assert.ok(!SECRET_ENV_NAMES.includes("DB_HOST"));
  });
});

describe("loadConfig", () => {
  test("a local URL configuration gets the documented defaults", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db",
      AUTH_JWT_SECRET: SECRET,
      AWS_REGION: "eu-central-1",
    });
    assert.equal(config.port, integerDefault("PORT"));
    assert.equal(config.host, SERVICE_ENV.HOST.default);
    assert.equal(config.intakeMode, SERVICE_ENV.INTAKE_MODE.default);
    assert.equal(config.database?.engine, "postgres");
    assert.equal(config.database?.readerUrl, config.database?.url);
    assert.equal(config.redis, undefined);
    assert.equal(config.worker.batchSize, integerDefault("WORKER_BATCH_SIZE"));
    assert.equal(config.metricsEmf, (SERVICE_ENV.METRICS_EMF as EnvVarSpec).default === "true");
    assert.equal(config.kinesis.streamName, SERVICE_ENV.KINESIS_STREAM_NAME.default);
    assert.equal(config.kinesis.aggregate, booleanDefault("KINESIS_AGGREGATION"));
  });

  test("KINESIS_AGGREGATION is on unless switched off for a consumer that cannot deaggregate", () => {
    const base = {
      DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db",
      AUTH_JWT_SECRET: SECRET,
      AWS_REGION: "eu-central-1",
    };
    assert.equal(booleanDefault("KINESIS_AGGREGATION"), true);
    assert.equal(loadConfig(base).kinesis.aggregate, true);
    assert.equal(loadConfig({ ...base, KINESIS_AGGREGATION: "false" }).kinesis.aggregate, false);
    assert.throws(() => booleanDefault("PORT"), /PORT has no boolean default/);
  });

  test("what the declaration says is what loadConfig applies: every default, and every range bound", () => {
    const base = {
      DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db",
      AUTH_JWT_SECRET: SECRET,
      AWS_REGION: "eu-central-1",
    };
    const config = loadConfig(base);
    assert.equal(config.logLevel, SERVICE_ENV.LOG_LEVEL.default);
    assert.equal(config.environment, SERVICE_ENV.FASTCART_ENVIRONMENT.default);
    assert.equal(config.database?.poolMax, integerDefault("DB_POOL_MAX"));
    assert.equal(config.database?.tls, (SERVICE_ENV.DB_TLS as EnvVarSpec).default === "true");
    assert.equal(config.worker.concurrency, integerDefault("WORKER_CONCURRENCY"));
    assert.equal(config.idempotencyRetentionHours, integerDefault("IDEMPOTENCY_RETENTION_HOURS"));
    // The DB_* and REDIS_HOST shape, so DB_PORT and REDIS_PORT are read too.
    const parts = {
      ...base,
      DATABASE_URL: "",
      DB_HOST: "db.example",
      DB_USER: "u",
      DB_PASSWORD: "p",
      REDIS_HOST: "r",
    };
    for (const [name, spec] of Object.entries(SERVICE_ENV) as [ServiceEnvName, EnvVarSpec][]) {
      if (spec.type !== "integer" || spec.min === undefined || spec.max === undefined) continue;
      assert.deepEqual(
        problemsOf({ ...parts, [name]: String(spec.min) }),
        [],
        `${name}=${spec.min} is accepted`,
      );
      assert.deepEqual(
        problemsOf({ ...parts, [name]: String(spec.max) }),
        [],
        `${name}=${spec.max} is accepted`,
      );
      assert.match(
        problemsOf({ ...parts, [name]: String(spec.max + 1) }).join("\n"),
        new RegExp(`^${name}: `),
      );
    }
    const engineParts = { DB_HOST: "db.example", DB_USER: "u", DB_PASSWORD: "p", AUTH_JWT_SECRET: SECRET };
    for (const engine of ["postgres", "mysql"] as const) {
      const { database } = loadConfig({ ...engineParts, DB_ENGINE: engine, INTAKE_MODE: "table" });
      assert.equal(new URL(database!.url).port, SERVICE_ENV.DB_PORT.defaultByEngine[engine]);
    }
  });

  test("the AWS shape (DB_* parts, Redis host with TLS) builds connection URLs with escaped credentials", () => {
    const config = loadConfig({
      DB_ENGINE: "mysql",
      DB_HOST: "writer.example",
      DB_READER_HOST: "reader.example",
      DB_USER: "admin",
      DB_PASSWORD: "p@ss/word",
      DB_TLS: "true",
      INTAKE_MODE: "table",
      REDIS_HOST: "redis.example",
      REDIS_TLS: "true",
      REDIS_AUTH_TOKEN: "token",
      AUTH_JWT_SECRET: SECRET,
      METRICS_EMF: "yes",
    });
    assert.equal(config.database?.engine, "mysql");
    assert.equal(config.database?.url, "mysql://admin:p%40ss%2Fword@writer.example:3306/fastcart");
    assert.equal(config.database?.readerUrl, "mysql://admin:p%40ss%2Fword@reader.example:3306/fastcart");
    assert.equal(config.database?.tls, true);
    assert.deepEqual(config.redis, { url: "rediss://redis.example:6379", tls: true, authToken: "token" });
    assert.equal(config.metricsEmf, true);
  });

  test("every problem is reported at once, each naming the variable and the rule", () => {
    const problems = problemsOf({
      PORT: "http",
      INTAKE_MODE: "queue",
      DATABASE_URL: "sqlite://x",
      AUTH_JWT_SECRET: "short",
      REDIS_URL: "http://nope",
      WORKER_BATCH_SIZE: "0",
      METRICS_EMF: "maybe",
      KINESIS_ENDPOINT: "not a url",
      KINESIS_STREAM_NAME: "bad name!",
      AUTH_JWKS_URL: "ftp://x",
    });
    const named = (prefix: string) => problems.some((p) => p.startsWith(prefix));
    for (const name of [
      "PORT: must be an integer",
      "INTAKE_MODE: must be one of stream, table",
      "DATABASE_URL: must be",
      "AUTH_JWT_SECRET: must be at least 32 bytes",
      "REDIS_URL: must be",
      "WORKER_BATCH_SIZE: must be an integer from 1",
      "METRICS_EMF: must be true or false",
      "KINESIS_ENDPOINT: must be",
      "KINESIS_STREAM_NAME:",
      "AUTH_JWKS_URL:",
    ]) {
      assert.ok(named(name), `expected a problem starting "${name}" in:\n${problems.join("\n")}`);
    }
  });

  test("missing essentials are named: database, auth secret, credentials with DB_HOST, region in stream mode", () => {
    assert.ok(problemsOf({}).some((p) => p.startsWith("DATABASE_URL or DB_HOST: required")));
    assert.ok(problemsOf({}).some((p) => p.startsWith("AUTH_JWT_SECRET: required")));
    const partial = problemsOf({ DB_HOST: "h", AUTH_JWT_SECRET: SECRET });
    assert.ok(partial.some((p) => p.startsWith("DB_USER: required")));
    assert.ok(partial.some((p) => p.startsWith("DB_PASSWORD: required")));
    assert.ok(partial.some((p) => p.startsWith("AWS_REGION: required in stream mode")));
    assert.ok(
      problemsOf({ DB_HOST: "h", DB_ENGINE: "oracle", DB_USER: "u", DB_PASSWORD: "p", AWS_REGION: "x" }).some(
        (p) => p.startsWith("DB_ENGINE: must be one of"),
      ),
    );
  });

  test("roles that need neither database nor auth accept an empty environment", () => {
    const config = loadConfig({}, { database: false, auth: false });
    assert.equal(config.database, undefined);
  });

  test("readProcessEnv copies only the catalog's names", () => {
    process.env.FASTCART_ENVIRONMENT = "unit";
    process.env.SOMETHING_ELSE = "ignored";
    const env = readProcessEnv();
    assert.equal(env.FASTCART_ENVIRONMENT, "unit");
    assert.equal((env as Record<string, string>).SOMETHING_ELSE, undefined);
  });
});
