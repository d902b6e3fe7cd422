/**
 * `npm run chaos` as CI runs it: bad arguments are refused before anything starts (exit 2, naming the
 * option and the rule), and the short scenario — a worker SIGKILLed under load on private PostgreSQL,
 * kinesalite and Redis — passes: 0 orders lost, 0 decided twice, stock exact. The CLI is a child
 * process, so its exit code and output are what is checked.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Not the CLI's default block, so a chaos run by hand at the same time does not collide. */
const PORT_BASE = "4640";

interface ChaosRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runChaos(args: string[], timeoutMs: number): Promise<ChaosRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "tools/chaos/cli.ts", ...args],
      { cwd: serviceDir, timeout: timeoutMs, env: { ...process.env, CHAOS_PORT_BASE: PORT_BASE } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("npm run chaos", () => {
  test("an unknown scenario is refused with exit 2, naming the ones there are", async () => {
    const run = await runChaos(["--scenario", "worker-sigkill,meteor"], 30_000);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--scenario: unknown meteor \(one of worker-sigkill, postgres-restart/);
  });

  test("an order count out of range is refused with exit 2, naming the rule", async () => {
    const run = await runChaos(["--orders", "5"], 30_000);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--orders: an integer from 10 to 100000 \(got 5\)/);
  });

  test("--help lists every scenario and exits 0", async () => {
    const run = await runChaos(["--help"], 30_000);
    assert.equal(run.code, 0, run.stderr);
    for (const name of [
      "worker-sigkill",
      "postgres-restart",
      "kinesis-restart",
      "redis-down",
      "api-sigterm",
    ]) {
      assert.match(run.stdout, new RegExp(`^ {2}${name} `, "m"));
    }
  });

  test("the short scenario: a worker SIGKILLed under load loses nothing, decides nothing twice", async () => {
    // Bounded (a busy machine makes it slower, never endless): the scenario itself takes ~30 s.
    const run = await runChaos(["--short"], 240_000);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /PASS worker-sigkill: .*lost 0, decided twice 0, stock exact/);
    assert.match(run.stdout, /chaos: 1\/1 scenarios passed/);
  });
});
