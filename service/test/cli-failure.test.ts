/** How `fastcart` words a failure: one line with the way out, and the exit code that goes with it. */
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { test } from "node:test";
import { describeFailure, StartupError, UsageError } from "../src/cli/failure.js";
import { loadConfig } from "../src/config.js";

/** The real error Node raises for a second listener on one port. */
async function addressInUse(): Promise<Error> {
  const first = createServer();
  await new Promise<void>((resolve) => first.listen(0, "127.0.0.1", resolve));
  const { port } = first.address() as { port: number };
  const second = createServer();
  const error = await new Promise<Error>((resolve) => {
    second.once("error", resolve);
    second.listen(port, "127.0.0.1");
  });
  await new Promise<void>((resolve) => first.close(() => resolve()));
  return error;
}

/** The real error of a connection to a port where nothing listens. */
async function refused(): Promise<Error> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return new Promise((resolve) => connect(port, "127.0.0.1").once("error", resolve));
}

test("a taken port names the port and how to choose another", async () => {
  const failure = describeFailure("serve", await addressInUse());
  assert.equal(failure.exitCode, 1);
  assert.match(
    failure.text,
    /^fastcart serve: port \d+ is already in use \(127\.0\.0\.1:\d+\): .*PORT=<port>/,
  );
  assert.equal(failure.text.includes("\n"), false);
});

test("a refused connection, even wrapped in a start-up step or an AggregateError, names the address", async () => {
  const error = await refused();
  const wrapped = describeFailure(
    "migrate",
    new StartupError("migrations failed", "fix it", { cause: error }),
  );
  assert.match(
    wrapped.text,
    /^fastcart migrate: migrations failed: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
  );
  const aggregate = Object.assign(new AggregateError([error], ""), { code: "ECONNREFUSED" });
  assert.match(describeFailure("work", aggregate).text, /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
});

test("a start-up step's own error keeps its hint; a configuration error exits 78; a usage error 2", () => {
  const step = describeFailure(
    "local",
    new StartupError("migrations failed", "fix the database", { cause: new Error("relation x\nexists") }),
  );
  assert.equal(step.text, "fastcart local: migrations failed: relation x exists; fix the database");
  let configError: unknown;
  try {
    loadConfig({ INTAKE_MODE: "queue" }, { database: false, auth: false });
  } catch (error) {
    configError = error;
  }
  const config = describeFailure("serve", configError);
  assert.equal(config.exitCode, 78);
  assert.match(config.text, /INTAKE_MODE: must be one of stream, table/);
  const usage = describeFailure("load", new UsageError("--url: required"));
  assert.deepEqual(usage, {
    text: "fastcart load: --url: required (see: npx fastcart load --help)",
    exitCode: 2,
  });
});

test("a stack trace only when asked for (LOG_LEVEL=debug)", () => {
  const error = new Error("boom");
  assert.equal(describeFailure("serve", error).text, "fastcart serve: boom");
  assert.match(describeFailure("serve", error, true).text, /^fastcart serve: boom\nError: boom\n\s+at /);
});
