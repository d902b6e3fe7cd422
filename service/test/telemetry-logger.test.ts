import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger, humanDestination, redactUrl } from "../src/telemetry/logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

test("logs JSON with a readable level, service and environment, at the configured level", () => {
  const { lines, stream } = capture();
  const log = createLogger({ logLevel: "warn", environment: "dev" }, stream);
  log.info("dropped below the level");
  log.warn({ orderId: "o-1" }, "kept");
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, "warn");
  assert.equal(lines[0]!.msg, "kept");
  assert.equal(lines[0]!.service, "fastcart");
  assert.equal(lines[0]!.environment, "dev");
  assert.equal(lines[0]!.orderId, "o-1");
  assert.match(String(lines[0]!.time), /^\d{4}-\d{2}-\d{2}T/);
});

test("redacts authorization headers, cookies, passwords, tokens and connection URLs", () => {
  const { lines, stream } = capture();
  const log = createLogger({ logLevel: "info", environment: "dev" }, stream);
  log.info({
    req: { headers: { authorization: "Bearer abc.def.ghi", cookie: "s=1", "user-agent": "curl" } },
    config: {
      database: { url: "postgres://u:pw@db/x", readerUrl: "postgres://u:pw@r/x" },
      redis: { url: "rediss://:tok@r:6379", authToken: "tok" },
      auth: { jwtSecret: "s".repeat(32) },
    },
    password: "hunter2",
    db: { password: "hunter2" },
  });
  const text = JSON.stringify(lines[0]);
  for (const secret of ["abc.def.ghi", "s=1", "pw@", "tok", "hunter2", "s".repeat(32)]) {
    assert.ok(!text.includes(secret), `${secret} must not appear in ${text}`);
  }
  assert.ok(text.includes("curl"), "non-secret fields stay");
});

test("redactUrl hides the password and secret query parameters", () => {
  assert.equal(
    redactUrl("postgres://app:s3cret@db:5432/fastcart"),
    "postgres://app:redacted@db:5432/fastcart",
  );
  assert.equal(redactUrl("redis://host:6379/0?token=x&db=1"), "redis://host:6379/0?token=redacted&db=1");
  assert.equal(redactUrl("not a url"), "[unparseable url]");
});

test("humanDestination: coloured pino-pretty lines on a TTY only; JSON (undefined) otherwise", async () => {
  assert.equal(humanDestination({ isTTY: false }), undefined);
  assert.equal(humanDestination({}), undefined);
  const pretty = humanDestination({ isTTY: true });
  assert.ok(pretty && typeof pretty.write === "function", "pino-pretty (a dev dependency) should load");
});
