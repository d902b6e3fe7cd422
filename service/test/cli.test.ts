/**
 * The `fastcart` command as people run it: the real bin (bin/fastcart.js) as a child process. Every
 * command answers --help with usage, flags and an example; bad flags and unknown commands print the
 * usage and exit 2; user errors are one line, never a stack trace; a start-up failure exits non-zero
 * and leaves nothing running.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(serviceDir, "bin", "fastcart.js");
const COMMANDS = [
  "serve",
  "work",
  "migrate",
  "token",
  "smoke",
  "local",
  "load",
  "bench",
  "plan",
  "verify",
  "chaos",
];
const SECRET = "a-cli-test-secret-that-is-32-bytes-or-more";
/** A stack trace line, which a user error must never print. */
const STACK_LINE = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function fastcart(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: serviceDir, timeout, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

describe("fastcart --help and --version", { concurrency: 4 }, () => {
  test("the root help lists every command and exits 0", async () => {
    const run = await fastcart(["--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: fastcart <command> \[options\]/);
    for (const command of COMMANDS) assert.match(run.stdout, new RegExp(`^  ${command} `, "m"), command);
  });

  test("--version prints the package version", async () => {
    const run = await fastcart(["--version"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  for (const command of COMMANDS) {
    test(`${command} --help: usage, flags, an example; exit 0`, async () => {
      const run = await fastcart([command, "--help"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: fastcart ${command} `, "m"));
      assert.match(run.stdout, /^Options:\n(?:.*\n)*? {2}-h, --help/m);
      assert.match(run.stdout, new RegExp(`^Examples:\\n {2}.*fastcart ${command}`, "m"));
      assert.equal(run.stderr, "");
    });
  }

  test("local --help starts nothing (it returns at once, without the start-up lines)", async () => {
    const run = await fastcart(["local", "--help"]);
    assert.equal(run.code, 0);
    assert.doesNotMatch(run.stdout + run.stderr, /starting embedded PostgreSQL|FastCart Orders is running/);
    assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
  });
});

describe("fastcart bad command lines: usage, exit 2", { concurrency: 4 }, () => {
  const cases: [string, string[], RegExp][] = [
    ["an unknown command", ["bogus"], /^error: unknown command 'bogus'/m],
    ["an unknown flag", ["token", "--sub", "c-1", "--bogus"], /^error: unknown option '--bogus'/m],
    [
      "a flag without its value",
      ["token", "--sub"],
      /^error: option '--sub <customer-id>' argument missing/m,
    ],
    [
      "a value out of range",
      ["token", "--sub", "c-1", "--ttl", "0"],
      /'--ttl <seconds>' argument '0' is invalid/,
    ],
    [
      "serve with a bad port",
      ["serve", "--port", "70000"],
      /'-p, --port <port>' argument '70000' is invalid/,
    ],
    ["plan with an unknown stack", ["plan", "nope"], /Allowed choices are fastcart-dev, orders-api-prod/],
    ["local with an unknown mode", ["local", "--mode", "queue"], /Allowed choices are stream, table/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const run = await fastcart(args);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /^Usage: fastcart /m);
      assert.doesNotMatch(run.stderr, STACK_LINE);
      assert.equal(run.stdout, "");
    });
  }

  test("a tool's own validation is one line naming the flag, exit 2", async () => {
    const run = await fastcart(["load", "--url", "ftp://x", "--token", "t"]);
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      'fastcart load: --url: must be an http(s) URL (got "ftp://x") (see: npx fastcart load --help)\n',
    );
  });

  test("bench hands its own flags (--port-base, --no-aggregation, …) to the bench, which checks them", async () => {
    const run = await fastcart(["bench", "--no-aggregation", "--port-base", "99"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--port-base: must be an integer from 1024 to \d+ \(got "99"\)/);
    assert.doesNotMatch(run.stderr, /unknown option|too many arguments/);
  });
});

describe("fastcart user errors and start-up failures: one line, honest exit codes", () => {
  let listener: Server;
  let takenPort: number;
  before(async () => {
    listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    takenPort = (listener.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  test("token prints only the token on stdout", async () => {
    const run = await fastcart(["token", "--sub", "c-1", "--admin"], { AUTH_JWT_SECRET: SECRET });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.equal(run.stderr, "");
  });

  test("a configuration error names the variable and exits 78, no stack", async () => {
    const run = await fastcart(["token", "--sub", "c-1"]);
    assert.equal(run.code, 78);
    assert.match(run.stderr, /^fastcart token: invalid configuration:\n {2}- AUTH_JWT_SECRET: required/);
    assert.doesNotMatch(run.stderr, STACK_LINE);
  });

  test("migrate against a database that is not there: one line saying what to do, exit 1", async () => {
    const run = await fastcart(["migrate"], {
      INTAKE_MODE: "table",
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/x`,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^fastcart migrate: migrations failed: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\?/,
    );
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  });

  test("serve on a taken port: one line naming the port and the way out, exit 1", async () => {
    const run = await fastcart(["serve"], {
      PORT: String(takenPort),
      HOST: "127.0.0.1",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/unused",
      KINESIS_ENDPOINT: "http://127.0.0.1:9",
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: "warn",
      // Node 20's AWS SDK notice is not ours to test (fastcart local silences it too).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(
      run.stderr,
      `fastcart serve: port ${takenPort} is already in use (127.0.0.1:${takenPort}): stop what listens there, ` +
        "or pick another port with PORT=<port> (or --port <port>)\n",
    );
  });

  test("local (npm start) on a taken port: exit 1, and the embedded database it started is gone", async () => {
    // Its own TMPDIR: embedded PostgreSQL's data directory goes there, and must be removed again.
    const tmp = await mkdtemp(join(tmpdir(), "fastcart-cli-"));
    await chmod(tmp, 0o1777); // initdb runs as the postgres user when the tests run as root
    try {
      const run = await fastcart(["local"], { PORT: String(takenPort), TMPDIR: tmp }, 180_000);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /starting embedded PostgreSQL/);
      assert.match(run.stderr, new RegExp(`^fastcart local: port ${takenPort} is already in use`, "m"));
      assert.doesNotMatch(run.stderr, STACK_LINE);
      const left = (await readdir(tmp)).filter((name) => !name.startsWith("tsx-"));
      assert.deepEqual(left, [], "temporary data left behind");
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
