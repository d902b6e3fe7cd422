/**
 * TLS for real: a private PostgreSQL with ssl=on (TLS-only pg_hba) and a redis-server with only a TLS
 * port and requirepass, both presenting a certificate from a throwaway CA. The service's real
 * connection code runs in a child process configured the way the task definitions configure it
 * (DB_HOST…, DB_TLS=true; REDIS_HOST, REDIS_TLS=true, REDIS_AUTH_TOKEN) and trusting the CA the way
 * the image trusts the RDS CA bundle (NODE_EXTRA_CA_CERTS). Verification must be on: a wrong CA or
 * a certificate for another hostname is refused; so are plaintext and a wrong auth token. The same
 * for the MySQL path against a private MariaDB with require_secure_transport.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type PrivateMariadb, startTlsMariadb } from "./support/private-mariadb.js";
import {
  missingBinaries,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startTlsRedis,
} from "./support/private-servers.js";
import {
  type CertificateAuthority,
  type ServerCertificate,
  TestCertificates,
} from "./support/test-certificates.js";

const run = promisify(execFile);
const SERVICE_DIR = fileURLToPath(new URL("..", import.meta.url));
const REDIS_TOKEN = "redis-auth-token-0123456789";

const skip = missingBinaries("postgres") || missingBinaries("redis");

interface Outcome {
  database?: string;
  cache?: string;
}

/** Runs the service's connection code in a fresh Node with only `env` (plus PATH) set. */
async function connectWith(env: Record<string, string>): Promise<Outcome> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "test/support/tls-connect.ts"], {
    cwd: SERVICE_DIR,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    timeout: 90_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as Outcome;
}

describe("TLS to PostgreSQL and Redis, verified against the CA bundle", { skip }, () => {
  let certs: TestCertificates;
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let wrongHost: ServerCertificate;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let redisWrongHost: PrivateRedis;

  before(async () => {
    certs = new TestCertificates();
    ca = certs.authority("fastcart-test-ca");
    otherCa = certs.authority("some-other-ca");
    const server = certs.server("server", ca, "IP:127.0.0.1");
    wrongHost = certs.server("elsewhere", ca, "DNS:elsewhere.example");
    postgres = await startPrivatePostgres({ tls: server });
    redis = await startTlsRedis({
      certificate: server,
      caFile: ca.certFile,
      password: REDIS_TOKEN,
    });
    redisWrongHost = await startTlsRedis({
      certificate: wrongHost,
      caFile: ca.certFile,
      password: REDIS_TOKEN,
    });
  });

  after(async () => {
    await Promise.allSettled([postgres?.stop(), redis?.stop(), redisWrongHost?.stop()]);
    certs?.remove();
  });

  const taskEnv = () => ({
    NODE_EXTRA_CA_CERTS: ca.certFile,
    DB_ENGINE: "postgres",
    DB_HOST: "127.0.0.1",
    DB_PORT: String(postgres.port),
    DB_NAME: "postgres",
    DB_USER: "postgres",
    DB_PASSWORD: postgres.superuserPassword,
    DB_TLS: "true",
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(redis.port),
    REDIS_TLS: "true",
    REDIS_AUTH_TOKEN: REDIS_TOKEN,
    INTAKE_MODE: "table",
  });

  test("configured like the task definition and trusting the CA: both connect over verified TLS", async () => {
    assert.deepEqual(await connectWith(taskEnv()), { database: "ok", cache: "ok" });
  });

  test("trusting another CA: both refuse the server certificate", async () => {
    const outcome = await connectWith({ ...taskEnv(), NODE_EXTRA_CA_CERTS: otherCa.certFile });
    assert.match(outcome.database ?? "", /certificate/i);
    assert.match(outcome.cache ?? "", /certificate/i);
  });

  test("a certificate for another hostname is refused", async () => {
    const outcome = await connectWith({ ...taskEnv(), REDIS_PORT: String(redisWrongHost.port) });
    assert.match(outcome.cache ?? "", /altnames|does not match|ERR_TLS_CERT_ALTNAME_INVALID/i);
    postgres.useCertificate(wrongHost);
    try {
      const pgOutcome = await connectWith(taskEnv());
      assert.match(pgOutcome.database ?? "", /altnames|does not match|ERR_TLS_CERT_ALTNAME_INVALID/i);
    } finally {
      postgres.useCertificate(certs.server("server-again", ca, "IP:127.0.0.1"));
    }
  });

  test("plaintext is refused: PostgreSQL accepts only TLS, Redis has no plaintext port", async () => {
    const outcome = await connectWith({ ...taskEnv(), DB_TLS: "false", REDIS_TLS: "false" });
    assert.match(outcome.database ?? "", /no encryption|pg_hba/);
    assert.notEqual(outcome.cache, "ok");
  });

  test("a wrong Redis auth token is refused (the token is really used)", async () => {
    const outcome = await connectWith({ ...taskEnv(), REDIS_AUTH_TOKEN: "not-the-token" });
    assert.equal(outcome.database, "ok");
    assert.match(outcome.cache ?? "", /WRONGPASS|invalid username-password/i);
  });
});

describe("TLS to MariaDB (the MySQL path), verified against the CA bundle", {
  skip: missingBinaries("mariadb"),
}, () => {
  let certs: TestCertificates;
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let mariadb: PrivateMariadb;

  before(async () => {
    certs = new TestCertificates();
    ca = certs.authority("fastcart-test-ca");
    otherCa = certs.authority("some-other-ca");
    // mysql2 checks the hostname only for a host NAME (RDS endpoints are names): connect to localhost.
    mariadb = await startTlsMariadb({
      certificate: certs.server("server", ca, "DNS:localhost"),
    });
  });
  after(async () => {
    await mariadb?.stop();
    certs?.remove();
  });

  const taskEnv = () => ({
    NODE_EXTRA_CA_CERTS: ca.certFile,
    DB_ENGINE: "mysql",
    DB_HOST: "localhost",
    DB_PORT: String(mariadb.port),
    DB_NAME: "fastcart",
    DB_USER: mariadb.user,
    DB_PASSWORD: mariadb.password,
    DB_TLS: "true",
    INTAKE_MODE: "table",
  });

  test("trusting the CA connects; another CA, another hostname and plaintext are refused", async () => {
    assert.equal((await connectWith(taskEnv())).database, "ok");
    assert.match(
      (await connectWith({ ...taskEnv(), NODE_EXTRA_CA_CERTS: otherCa.certFile })).database ?? "",
      /certificate/i,
    );
    const plaintext = (await connectWith({ ...taskEnv(), DB_TLS: "false" })).database ?? "";
    // MariaDB 10.11 answers a plaintext login under require_secure_transport with 1045 access denied;
    // the same user and password connected over TLS just above, so the refusal is the transport's.
    assert.match(plaintext, /secure transport|insecure|Access denied/i);
    mariadb.useCertificate(certs.server("elsewhere", ca, "DNS:elsewhere.example"));
    assert.match(
      (await connectWith(taskEnv())).database ?? "",
      /altnames|does not match|ERR_TLS_CERT_ALTNAME_INVALID/i,
    );
  });
});
