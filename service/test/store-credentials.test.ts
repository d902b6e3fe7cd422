/**
 * The credential sources, offline: the IAM auth token (signed with fixed fake credentials, so no AWS
 * account is involved) has RDS's documented shape, is cached and refreshed before it expires; the
 * password file is re-read when refused and on its schedule; refused connections are retried with
 * fresh credentials and other errors are not.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { connectWithFreshCredentials, isAuthenticationFailure } from "../src/store/auth-failure.js";
import { PasswordFile, StaticPassword } from "../src/store/credentials.js";
import { IAM_TOKEN_LIFETIME_MS, IamAuthToken } from "../src/store/iam-token.js";

const FAKE_CREDENTIALS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

function iamToken(clock: { now: number }) {
  return new IamAuthToken({
    hostname: "db.cluster-abc.eu-central-1.rds.amazonaws.com",
    port: 5432,
    user: "fastcart_app",
    region: "eu-central-1",
    credentials: FAKE_CREDENTIALS,
    now: () => clock.now,
  });
}

describe("IAM auth token", () => {
  test("has the documented shape: host:port/?Action=connect&DBUser=…, SigV4 for rds-db, expiry 900 s", async () => {
    const token = await iamToken({ now: Date.now() }).get();
    assert.match(
      token,
      /^db\.cluster-abc\.eu-central-1\.rds\.amazonaws\.com:5432\/\?Action=connect&DBUser=fastcart_app&X-Amz-/,
    );
    const params = new URL(`https://${token}`).searchParams;
    assert.equal(params.get("Action"), "connect");
    assert.equal(params.get("DBUser"), "fastcart_app");
    assert.equal(params.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.match(
      params.get("X-Amz-Credential") ?? "",
      /^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-central-1\/rds-db\/aws4_request$/,
    );
    assert.equal(params.get("X-Amz-Expires"), "900");
    assert.equal(params.get("X-Amz-SignedHeaders"), "host");
    assert.match(params.get("X-Amz-Signature") ?? "", /^[0-9a-f]{64}$/);
    assert.equal(IAM_TOKEN_LIFETIME_MS, 900_000);
  });

  test("is cached across new connections, re-signed shortly before expiry and after a refusal", async () => {
    const clock = { now: Date.now() };
    const source = iamToken(clock);
    const [a, b, c] = await Promise.all([source.get(), source.get(), source.get()]);
    assert.equal(source.signed, 1, "concurrent connections share one signing");
    assert.equal(a, b);
    assert.equal(b, c);
    const signedAt = clock.now;
    clock.now = signedAt + 10 * 60_000;
    await source.get();
    assert.equal(source.signed, 1, "10 of its 15 minutes left: reused");
    clock.now = signedAt + 14 * 60_000;
    await source.get();
    assert.equal(
      source.signed,
      2,
      "a minute before it expires: re-signed, so no connection starts with a dying token",
    );
    source.invalidate();
    await source.get();
    assert.equal(source.signed, 3, "refused: a new token");
  });
});

describe("password file", () => {
  const dir = mkdtempSync(join(tmpdir(), "fastcart-pwfile-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("read once, re-read after a refusal and on its schedule; the trailing newline is not part of it", async () => {
    const path = join(dir, "pw");
    writeFileSync(path, "first\n");
    const clock = { now: 0 };
    const source = new PasswordFile("app", path, { refreshMs: 60_000, now: () => clock.now });
    assert.equal(await source.get(), "first");
    writeFileSync(path, "second\n");
    assert.equal(await source.get(), "first", "cached until refused or due");
    source.invalidate();
    assert.equal(await source.get(), "second");
    writeFileSync(path, "third");
    clock.now += 60_000;
    assert.equal(await source.get(), "third", "re-read on schedule");
  });

  test("a missing or empty file is an error naming DB_PASSWORD_FILE", async () => {
    await assert.rejects(
      new PasswordFile("app", join(dir, "absent")).get(),
      /^Error: DB_PASSWORD_FILE: cannot read/,
    );
    writeFileSync(join(dir, "empty"), "\n");
    await assert.rejects(new PasswordFile("app", join(dir, "empty")).get(), /DB_PASSWORD_FILE: .* is empty/);
  });
});

describe("connecting with fresh credentials", () => {
  const refused = Object.assign(new Error("password authentication failed"), { code: "28P01" });

  test("PostgreSQL 28P01/28000 and MySQL 1045 are authentication failures; others are not", () => {
    assert.equal(isAuthenticationFailure(refused), true);
    assert.equal(isAuthenticationFailure({ code: "28000" }), true);
    assert.equal(isAuthenticationFailure({ errno: 1045, code: "ER_ACCESS_DENIED_ERROR" }), true);
    assert.equal(isAuthenticationFailure({ code: "ECONNREFUSED" }), false);
    assert.equal(isAuthenticationFailure(undefined), false);
  });

  test("a refusal drops the cached secret and connects again until it works", async () => {
    let invalidated = 0;
    const source = Object.assign(new StaticPassword("app", "x"), { invalidate: () => void invalidated++ });
    let attempts = 0;
    const result = await connectWithFreshCredentials(
      source,
      async () => {
        attempts++;
        if (attempts < 3) throw refused;
        return "connected";
      },
      { backoffMs: 1 },
    );
    assert.equal(result, "connected");
    assert.equal(attempts, 3);
    assert.equal(invalidated, 2);
  });

  test("other errors are not retried; refusals stop after the window", async () => {
    const source = new StaticPassword("app", "x");
    let attempts = 0;
    const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    await assert.rejects(
      connectWithFreshCredentials(source, async () => {
        attempts++;
        throw down;
      }),
      down,
    );
    assert.equal(attempts, 1);
    const started = Date.now();
    await assert.rejects(
      connectWithFreshCredentials(source, async () => Promise.reject(refused), {
        windowMs: 300,
        backoffMs: 50,
      }),
      refused,
    );
    assert.ok(Date.now() - started < 5_000);
  });
});
