/**
 * The smoke suite (service/src/smoke) against an in-test fixture of the API contract: a correct server
 * passes every check; each kind of misbehaviour gives a FAIL line naming what is wrong and exit
 * code 1; an unreachable server says what to do. The CLI is run as a child process for the exit
 * codes and output format CI relies on; the rest runs in-process to stay fast.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ALL_CHECKS } from "../src/smoke/checks.js";
import type { SmokeReport } from "../src/smoke/report.js";
import { runSmoke } from "../src/smoke/smoke.js";
import { type FixtureApi, startFixtureApi } from "./support/smoke-fixture-api.js";

import { ADMIN, CUSTOMER, options, SECRET, smoke } from "./support/smoke-run.js";

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const LINE = /^(PASS|FAIL) {2}(.+?) {2,}\s*(\d+)ms(?: {2}(.*))?$/;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["bin/fastcart.js", "smoke", ...args],
      { cwd: serviceDir, timeout: 20_000, env },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function result(report: SmokeReport, namePart: string) {
  const found = report.checks.find((check) => check.name.includes(namePart));
  assert.ok(found, `no check named like "${namePart}" in ${report.checks.map((c) => c.name).join(", ")}`);
  return found;
}

function failedNames(report: SmokeReport): string[] {
  return report.checks.filter((check) => !check.ok).map((check) => check.name);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("smoke CLI (child process)", { concurrency: true }, () => {
  let api: FixtureApi;
  let downApi: FixtureApi;
  before(async () => {
    api = await startFixtureApi({ adminToken: ADMIN, jwtSecret: SECRET });
    downApi = await startFixtureApi({ adminToken: ADMIN, faults: { readyDown: true } });
  });
  after(async () => {
    await api.close();
    await downApi.close();
  });

  it("passes every check against a correct server: one line per check, summary, exit 0", async () => {
    const run = await runCli(["--url", api.url, "--token", ADMIN, "--secret", SECRET, "--timeout", "5"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.trim().split("\n");
    const summary = lines.pop();
    assert.equal(summary, `smoke: ${ALL_CHECKS.length} passed, 0 failed`);
    assert.equal(lines.length, ALL_CHECKS.length);
    for (const line of lines) assert.match(line, LINE);
    assert.ok(lines.every((line) => line.startsWith("PASS  ")));
    assert.match(
      run.stderr,
      /smoke run [0-9A-F]{8} against http:\/\/127\.0\.0\.1:\d+ \(orders as minted customer/,
    );
  });

  it("mints its own admin token from --secret-env (the image's one-off task: no token anywhere)", async () => {
    const { SMOKE_ADMIN_TOKEN: _token, SMOKE_JWT_SECRET: _secret, ...inherited } = process.env;
    const env = { ...inherited, SERVICE_SECRET: SECRET };
    const run = await runCli(["--url", api.url, "--secret-env", "SERVICE_SECRET", "--timeout", "5"], env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^smoke: ${ALL_CHECKS.length} passed, 0 failed$`, "m"));
  });

  it("prints a FAIL line with the /ready body and exits 1 when /ready answers 503", async () => {
    const run = await runCli(["--url", `${downApi.url}/`, "--token", ADMIN, "--timeout", "5"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const readyLine = run.stdout.split("\n").find((line) => line.includes("GET /ready"));
    assert.ok(readyLine, run.stdout);
    const match = LINE.exec(readyLine);
    assert.ok(match, readyLine);
    assert.equal(match[1], "FAIL");
    assert.match(match[4] ?? "", /expected 200, got 503: .*unavailable: database/);
    // Without a customer identity the two customer checks are left out, and said to be.
    const total = ALL_CHECKS.length - 2;
    assert.match(run.stdout, new RegExp(`^smoke: ${total - 1} passed, 1 failed$`, "m"));
    assert.match(run.stderr, /not checked without --customer-token or --secret: PUT \/products as customer/);
  });

  it("says there is no server, and what to do, when nothing listens at --url (JSON output)", async () => {
    const port = await closedPort();
    const run = await runCli(["--url", `http://127.0.0.1:${port}`, "--token", ADMIN, "--json"]);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as SmokeReport;
    assert.equal(report.ok, false);
    assert.equal(report.passed, 0);
    const [first, ...rest] = report.checks;
    assert.match(first?.detail ?? "", /GET http:\/\/127\.0\.0\.1:\d+\/health: no answer \(ECONNREFUSED\)/);
    assert.match(first?.detail ?? "", /is the server running \(npm start\), and is --url right\?/);
    assert.ok(rest.length > 0 && rest.every((check) => check.detail?.startsWith("not run: no server at")));
  });

  it("rejects bad usage with exit 2, naming the flag", async () => {
    const run = await runCli(["--token", ADMIN]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--url: required/);
    assert.match(run.stderr, /^fastcart smoke: --url: required .*\(see: npx fastcart smoke --help\)$/m);
    assert.equal(run.stdout, "");
  });
});

describe("smoke suite against misbehaving servers (in-process)", () => {
  it("passes every check with a static customer token, including both customer refusals", async () => {
    const { report } = await smoke({}, { customerToken: CUSTOMER });
    assert.deepEqual(failedNames(report), []);
    assert.equal(report.passed, ALL_CHECKS.length);
    assert.deepEqual(report.notChecked, []);
  });

  it("fails the status checks, with a hint, when orders never leave PENDING", async () => {
    const { report, lines } = await smoke({ neverDecide: true }, { timeoutSeconds: 0.3 });
    assert.match(
      result(report, "reach a final status").detail ?? "",
      /still not decided after 0.3 s: .*are the workers running/,
    );
    for (const dependent of ["-> CONFIRMED", "OUT_OF_STOCK", "UNKNOWN_SKU", "cancel (CONFIRMED)"]) {
      assert.match(result(report, dependent).detail ?? "", /^not run: /);
    }
    assert.equal(lines.at(-1), `smoke: ${report.passed} passed, ${report.failed} failed`);
    assert.ok(report.failed >= 5);
  });

  it("fails on float money", async () => {
    const { report } = await smoke({ floatTotals: true });
    assert.deepEqual(failedNames(report), [
      "order (2 x stock-5 sku) -> CONFIRMED, totals exact",
      "POST /orders/:id/cancel (CONFIRMED) -> CANCELLED",
    ]);
    assert.match(
      result(report, "-> CONFIRMED").detail ?? "",
      /total must be an integer number of minor units, got 25.98/,
    );
  });

  it("fails the stock arithmetic when cancel does not release stock", async () => {
    const { report } = await smoke({ cancelKeepsStock: true });
    assert.deepEqual(failedNames(report), ["stock after cancel: 5 - 2 + 2 = 5, stock-1 sku still 1"]);
    assert.match(
      result(report, "stock after cancel").detail ?? "",
      /SMOKE-[0-9A-F]{8}-FIVE stock must be 5, got 3/,
    );
  });

  it("fails the list check when pagination repeats an order", async () => {
    const { report } = await smoke({ listDuplicates: true });
    assert.deepEqual(failedNames(report), ["GET /orders?customerId&limit=2 pages: each order once"]);
    assert.match(result(report, "each order once").detail ?? "", /listed more than once: [0-9a-f-]{36}/);
  });

  it("fails when a 401 carries no WWW-Authenticate challenge", async () => {
    const { report } = await smoke({ noChallenge: true });
    assert.deepEqual(failedNames(report), ["POST /orders without token -> 401 + WWW-Authenticate"]);
  });

  it("fails when a reused Idempotency-Key with another body is accepted", async () => {
    const { report } = await smoke({ idempotencyIgnoresBody: true });
    assert.deepEqual(failedNames(report), ["Idempotency-Key reuse, other body -> 409"]);
    assert.match(result(report, "other body").detail ?? "", /expected 409, got POST \/orders → 202/);
  });

  it("says the admin token was refused when --token is wrong, and skips what depends on products", async () => {
    const { report } = await smoke({}, { adminToken: "not-the-admin-token" });
    assert.match(
      result(report, "PUT /products/:sku").detail ?? "",
      /expected 200 or 201, got PUT .* → 401: .*check --token/,
    );
    assert.equal(result(report, "POST /orders x3").detail, "not run: products were not created");
    assert.ok(result(report, "GET /health").ok);
    assert.ok(result(report, "without token").ok);
  });
});

describe("smoke suite --wait-ready", () => {
  it("waits for a system that starts listening late, then passes", async () => {
    const port = await closedPort();
    const notes: string[] = [];
    let api: FixtureApi | undefined;
    const late = setTimeout(async () => {
      api = await startFixtureApi({ adminToken: ADMIN, port });
    }, 300);
    try {
      const report = await runSmoke(options(`http://127.0.0.1:${port}`, { waitReadySeconds: 5 }), {
        line: () => {},
        note: (n) => notes.push(n),
      });
      assert.deepEqual(failedNames(report), []);
      const waited = notes.find((n) => n.startsWith("ready after "));
      assert.ok(waited, notes.join("\n"));
      assert.ok(Number(/ready after (\d+) ms/.exec(waited)?.[1]) >= 250, waited);
    } finally {
      clearTimeout(late);
      await api?.close();
    }
  });

  it("gives up after the limit, says what /ready last answered, and the checks fail", async () => {
    const api = await startFixtureApi({ adminToken: ADMIN, faults: { readyDown: true } });
    const notes: string[] = [];
    try {
      const report = await runSmoke(options(api.url, { waitReadySeconds: 0.3 }), {
        line: () => {},
        note: (n) => notes.push(n),
      });
      assert.ok(
        notes.some((n) => /^not ready after 0.3 s \(last: 503 .*unavailable: database/.test(n)),
        notes.join("\n"),
      );
      assert.deepEqual(failedNames(report), ["GET /ready -> 200"]);
    } finally {
      await api.close();
    }
  });
});

describe("smoke suite behind a redirect", () => {
  it("tells the operator to use the redirect target as --url (ALB HTTP → HTTPS)", async () => {
    const seen: { userAgent?: string; requestId?: string }[] = [];
    const server = createHttpServer((request, response) => {
      seen.push({
        userAgent: request.headers["user-agent"],
        requestId: request.headers["x-request-id"] as string,
      });
      response.writeHead(301, { location: `https://orders.example.com${request.url}` }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const report = await runSmoke(options(`http://127.0.0.1:${port}`), { line: () => {}, note: () => {} });
      assert.equal(report.passed, 0);
      assert.match(
        result(report, "GET /health").detail ?? "",
        /expected 200, got GET \/health → 301: \(empty body\) \[request smoke-[0-9a-f]{8}-1\] \(redirected to https:\/\/orders\.example\.com\/health: pass that scheme\/host as --url\)/,
      );
      // Every request says who sends it (WAF rules block requests without a User-Agent) and carries
      // its own id, the one quoted on FAIL lines, so the server's log lines can be found.
      assert.equal(seen[0]?.userAgent, "fastcart-smoke/1");
      assert.equal(seen[0]?.requestId, `smoke-${report.runId.toLowerCase()}-1`);
      assert.equal(new Set(seen.map((s) => s.requestId)).size, seen.length);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
