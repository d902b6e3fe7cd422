/**
 * The closing smoke check. orders-api-prod: the real smoke suite against a real service (the `serve`
 * and `work` roles on the PostgreSQL in DATABASE_URL, table mode) standing where the ALB's DNS name
 * points, and against an address where nothing answers. fastcart-dev with --smoke: the one-off ECS task
 * (RunTask in the service's subnets, the `api` container's command replaced by the suite) whose exit
 * code is read back once the stand-in reports it STOPPED.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
// The suite's own parser: the one-off task's command must be a command line `fastcart smoke` accepts.
import { parseSmokeArgs } from "../../../service/src/smoke/args.js";
import type { Plan } from "../../src/plan/types.js";
import { callsOutsideVerifierPolicy, type Deployment, deploy, EXIT } from "./deployment.js";
import { planStack, REGIONS, withoutDeployDayControls } from "./plans.js";

const SERVICE = fileURLToPath(new URL("../../../service/", import.meta.url));
const DATABASE_URL = process.env["DATABASE_URL"];
const JWT_SECRET = "verify-smoke-test-secret-0123456789abcdef";
/** Inside this repository's test port range (4300-4399). */
const API_PORT = 4320;
const SMOKE = { inVpc: false, skip: false, waitReadySec: 30, timeoutSec: 60, pollMs: 10 };

function outputsWithAlb(deployment: Deployment, plan: Plan, host: string): string {
  const file = join(deployment.dir, `outputs-${host.replace(/[^0-9a-z]/gi, "-")}.json`);
  writeFileSync(file, JSON.stringify({ ...plan.outputs, albDnsName: host }));
  return file;
}

describe("smoke through the ALB (orders-api-prod)", () => {
  let plan: Plan;
  let deployment: Deployment;
  before(async () => {
    plan = await planStack("orders-api-prod");
    deployment = await deploy(plan, REGIONS["orders-api-prod"]);
  });
  after(() => deployment.stop());

  it("fails in one line naming the address when nothing answers there", async () => {
    process.env["SMOKE_ADMIN_TOKEN"] = "unused-no-server";
    const outputsFile = outputsWithAlb(deployment, plan, "127.0.0.1:9");
    const { code, out } = await deployment.verify({
      outputsFile,
      only: ["smoke"],
      smoke: { ...SMOKE, waitReadySec: 0 },
    });
    assert.equal(code, EXIT.failed);
    const text = out.join("\n");
    assert.match(
      text,
      /smoke GET \/health -> 200: expected pass, got GET https:\/\/127\.0\.0\.1:9\/health: no answer \(ECONNREFUSED\)/,
    );
    assert.match(text, /smoke suite: expected all passed, got \d+ failed \(\d+ of them not run\)/);
    assert.doesNotMatch(text, /not run: no server/);
  });

  it("without a token: one line from the suite saying which variable to set", async () => {
    const saved = process.env["SMOKE_ADMIN_TOKEN"];
    delete process.env["SMOKE_ADMIN_TOKEN"];
    try {
      const outputsFile = outputsWithAlb(deployment, plan, "127.0.0.1:9");
      const { code, out } = await deployment.verify({
        outputsFile,
        only: ["smoke"],
        smoke: { ...SMOKE, waitReadySec: 0 },
      });
      assert.equal(code, EXIT.failed);
      assert.match(
        out.join("\n"),
        /smoke suite against https:\/\/127\.0\.0\.1:9: expected a report, got fastcart smoke: --token: required .*SMOKE_ADMIN_TOKEN/,
      );
    } finally {
      if (saved !== undefined) process.env["SMOKE_ADMIN_TOKEN"] = saved;
    }
  });

  describe("against a running service", {
    skip: DATABASE_URL ? false : "DATABASE_URL is not set (CI sets it)",
  }, () => {
    const env = {
      ...process.env,
      DATABASE_URL,
      INTAKE_MODE: "table",
      AUTH_JWT_SECRET: JWT_SECRET,
      LOG_LEVEL: "warn",
    };
    const processes: ChildProcess[] = [];
    const role = (name: string, port: number) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", name], {
        cwd: SERVICE,
        env: { ...env, PORT: String(port) },
        stdio: "ignore",
      });
      processes.push(child);
    };
    before(async () => {
      await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts", "migrate"], {
        cwd: SERVICE,
        env,
        timeout: 60_000,
      });
      role("serve", API_PORT);
      role("work", API_PORT + 1);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "src/main.ts", "token", "--sub", "smoke-admin", "--admin"],
        { cwd: SERVICE, env },
      );
      process.env["SMOKE_ADMIN_TOKEN"] = stdout.trim();
      process.env["SMOKE_JWT_SECRET"] = JWT_SECRET;
    });
    after(() => {
      for (const child of processes) child.kill("SIGTERM");
    });

    it("passes: the suite ran every check against the service", async () => {
      // The service here speaks plain HTTP: the stack as its plain-HTTP opt-out plans it (no TLS listener).
      const plain = await deploy(withoutDeployDayControls(plan), REGIONS["orders-api-prod"]);
      after(() => plain.stop());
      const outputsFile = outputsWithAlb(plain, plan, `127.0.0.1:${API_PORT}`);
      // A busy machine may take a while to start the service under tsx: readiness gets a minute and a half.
      const { code, out } = await plain.verify({
        outputsFile,
        only: ["smoke"],
        smoke: { ...SMOKE, waitReadySec: 90 },
      });
      assert.equal(code, EXIT.ok, out.join("\n"));
      assert.match(
        out.join("\n"),
        /PASS smoke .* \d+ smoke checks passed against http:\/\/127\.0\.0\.1:4320/,
      );
    });
  });
});

describe("smoke from a one-off ECS task (fastcart-dev --smoke)", () => {
  let deployment: Deployment;
  let plan: Plan;
  before(async () => {
    plan = await planStack("fastcart-dev");
    deployment = await deploy(plan, REGIONS["fastcart-dev"]);
  });
  after(() => deployment.stop());

  it("runs the suite in the service's task definition against a running task and passes on exit code 0", async () => {
    const { code, out } = await deployment.verify({ only: ["smoke"], smoke: { ...SMOKE, inVpc: true } });
    assert.equal(code, EXIT.ok, out.join("\n"));
    const [task] = deployment.account.startedTasks;
    assert.ok(task);
    assert.match(task.taskDefinition, /task-definition\/fastcart-orders-dev:1$/);
    assert.deepEqual(task.command.slice(0, 3), ["smoke", "--url", "http://10.0.10.11:3000"]);
    // In the container ECS sets AUTH_JWT_SECRET from Secrets Manager; the command only names it.
    const parsed = parseSmokeArgs(task.command.slice(1), { AUTH_JWT_SECRET: JWT_SECRET });
    assert.equal(parsed.kind === "run" && parsed.options.jwtSecret, JWT_SECRET);
    assert.equal(parsed.kind === "run" && parsed.options.waitReadySeconds, SMOKE.waitReadySec);
    assert.ok(
      !task.command.some((arg) => arg.includes(JWT_SECRET) || arg.startsWith("--token")),
      task.command.join(" "),
    );
    const calls = deployment.standIn.calls.filter((c) => c.startsWith("ecs:"));
    assert.ok(calls.includes("ecs:RunTask") && calls.at(-1) === "ecs:DescribeTasks", calls.join(" "));
    assert.deepEqual(callsOutsideVerifierPolicy(deployment.standIn.calls, plan, true), []);
    assert.deepEqual(callsOutsideVerifierPolicy(deployment.standIn.calls, plan, false), ["ecs:RunTask"]);
  });

  it("fails naming the exit code when the suite fails in the task", async () => {
    deployment.account.smokeTaskExitCode = 1;
    const { code, out } = await deployment.verify({ only: ["smoke"], smoke: { ...SMOKE, inVpc: true } });
    assert.equal(code, EXIT.failed);
    assert.match(out.join("\n"), /smoke task exit code \(http:\/\/10\.0\.10\.11:3000\): expected 0, got 1/);
  });
});
