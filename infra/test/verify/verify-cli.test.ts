/**
 * The command as a user runs it (a child process, for what only a process shows: exit codes, the SDK's
 * own credential chain and AWS_ENDPOINT_URL override, stderr free of stack traces); the rest of the
 * command's behaviour in-process, through the same `verify` function the command calls.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Deployment, deploy, EXIT, TEST_CREDENTIALS } from "./deployment.js";
import { planStack, REGIONS } from "./plans.js";

const INFRA = fileURLToPath(new URL("../../", import.meta.url));

/** An environment with no AWS credentials anywhere the SDK looks (env, files, instance metadata). */
const NO_AWS: NodeJS.ProcessEnv = {
  PATH: process.env["PATH"],
  HOME: "/nonexistent",
  AWS_CONFIG_FILE: "/nonexistent/config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
  AWS_EC2_METADATA_DISABLED: "true",
};

async function run(args: string[], env: NodeJS.ProcessEnv = NO_AWS) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "tools/verify.ts", ...args],
      { cwd: INFRA, env, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** stderr's lines other than the progress lines; a stack trace would show up as "    at …" lines. */
function messages(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line !== "" && !/^(planning|verifying|wrote) /.test(line));
}

const ids = (lines: string[]) => lines.map((line) => line.split(/\s+/)[0]);

describe("npm run verify, the command", () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await deploy(await planStack("orders-api-prod"), REGIONS["orders-api-prod"]);
  });
  after(() => deployment.stop());

  it("usage errors exit 2 with the usage, before planning anything", async () => {
    const results = await Promise.all([
      run(["--stack", "nope"]),
      run(["--stack", "fastcart-dev", "--smoke", "--no-smoke"]),
    ]);
    for (const { code, stderr } of results) {
      assert.equal(code, 2);
      assert.match(stderr, /^verify: .*\nusage: npm run verify/);
    }
  });

  it("without credentials: one line saying so, exit 3, no stack trace", async () => {
    const { code, stderr } = await run(["--stack", "orders-api-prod", "--outputs", deployment.outputsFile]);
    assert.equal(code, 3);
    assert.equal(messages(stderr).length, 1, stderr);
    assert.match(messages(stderr)[0] ?? "", /^verify: no AWS credentials \(set AWS_PROFILE/);
  });

  it("runs every check against the endpoint in AWS_ENDPOINT_URL and writes --json", async () => {
    const env = {
      ...NO_AWS,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL: deployment.standIn.endpoint,
    };
    const report = join(deployment.dir, "cli-report.json");
    const args = [
      "--stack",
      "orders-api-prod",
      "--outputs",
      deployment.outputsFile,
      "--no-smoke",
      "--json",
      report,
    ];
    const { code, stdout, stderr } = await run(args, env);
    assert.equal(code, 0, stdout + stderr);
    assert.deepEqual(messages(stderr), []);
    assert.match(stdout, /^\[ ?1\/\d+\] PASS outputs-complete /);
    assert.match(stdout, /^verify orders-api-prod: \d+ passed, 0 failed in [\d.]+ s$/m);
    const written = JSON.parse(readFileSync(report, "utf8"));
    assert.equal(written.ok, true);
    assert.equal(written.checks.length, stdout.split("\n").filter((line) => / PASS /.test(line)).length);
  });
});

describe("verify, in-process", () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await deploy(await planStack("fastcart-dev"), REGIONS["fastcart-dev"]);
  });
  after(() => deployment.stop());

  it("--list prints the stack's checks one a line and calls no AWS API", async () => {
    const { code, out } = await deployment.verify({ list: true });
    assert.equal(code, EXIT.ok);
    const listed = ids(out);
    for (const id of [
      "outputs-complete",
      "vpc",
      "kms-key",
      "rds-instance",
      "db-secret-rotation",
      "elasticache",
      "kinesis-stream",
      "secrets-manager",
      "ecr-repository",
      "log-groups",
      "ecs-cluster",
      "ecs-service",
    ]) {
      assert.ok(listed.includes(id), `${id} in ${listed.join(" ")}`);
    }
    assert.ok(!listed.includes("smoke"), "no public endpoint: no smoke unless --smoke");
    const smoke = await deployment.verify({
      list: true,
      smoke: { inVpc: true, skip: false, waitReadySec: 0, timeoutSec: 1, pollMs: 1 },
    });
    assert.equal(ids(smoke.out).at(-1), "smoke");
    assert.deepEqual(deployment.standIn.calls, []);
  });

  it("--only runs the named checks; an unknown id is a usage error naming the stack's checks", async () => {
    const { code, out } = await deployment.verify({ only: ["kms-key", "vpc"] });
    assert.equal(code, EXIT.ok);
    assert.deepEqual(
      out.flatMap((line) => / PASS (\S+)/.exec(line)?.[1] ?? []),
      ["vpc", "kms-key"],
    );
    const wrong = await deployment.verify({ only: ["waf"] });
    assert.equal(wrong.code, EXIT.usage);
    assert.match(
      wrong.err.join("\n"),
      /--only waf: not a check of fastcart-dev \(its checks: outputs-complete, vpc/,
    );
  });

  it("with AWS unreachable: one line saying so, exit 3", async () => {
    const { code, out, err } = await deployment.verify({
      aws: {
        endpoint: "http://127.0.0.1:9",
        credentials: TEST_CREDENTIALS,
        maxAttempts: 2,
        callTimeoutMs: 3_000,
      },
    });
    assert.equal(code, EXIT.blocked);
    assert.deepEqual(out, []);
    assert.deepEqual(err, ["verify: AWS (eu-central-1) is unreachable: connect ECONNREFUSED 127.0.0.1:9"]);
  });

  it("without an outputs file: one line naming it, exit 3", async () => {
    const { code, err } = await deployment.verify({ outputsFile: "missing.json" });
    assert.equal(code, EXIT.blocked);
    assert.match(
      err.join("\n"),
      /^verify: no outputs for fastcart-dev: outputs file .*missing\.json does not exist$/,
    );
  });

  it("reads a flat outputs file whose lists are JSON strings or comma-separated", async () => {
    const values = JSON.parse(readFileSync(deployment.outputsFile, "utf8")) as Record<string, unknown>;
    const file = join(deployment.dir, "stringly.json");
    const subnets = values["private_subnet_ids"] as string[];
    writeJson(file, {
      ...values,
      private_subnet_ids: JSON.stringify(subnets),
      public_subnet_ids: (values["public_subnet_ids"] as string[]).join(","),
      redis_port: "6379",
    });
    const { code, out } = await deployment.verify({ outputsFile: file });
    assert.equal(code, EXIT.ok, out.join("\n"));
  });
});

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value));
}
