/** `npm run plan` as a user runs it: tools/plan.ts in its own process. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const CLI = join(import.meta.dirname, "..", "tools", "plan.ts");

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    cwd: options.cwd ?? join(import.meta.dirname, ".."),
    env: { ...process.env, ...options.env },
  });
}

describe("plan CLI", () => {
  it("refuses an unknown stack, naming the known ones", () => {
    const result = run(["nope"]);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'Unknown stack "nope". Known stacks: fastcart-dev, orders-api-prod.\n');
  });

  it("explains its usage for a missing stack, extra arguments and unknown options", () => {
    for (const args of [[], ["fastcart-dev", "orders-api-prod"], ["--bogus", "fastcart-dev"]]) {
      const result = run(args);
      assert.equal(result.status, 2, args.join(" "));
      assert.match(result.stderr, /usage: npm run plan -- <stack> \[--json FILE\] \[--check\] \[--quiet\]/);
    }
    const help = run(["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /one of: fastcart-dev, orders-api-prod/);
  });

  it("prints the table, writes the JSON relative to where npm was run, and checks the policies", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-cli-"));
    const result = run(["fastcart-dev", "--json", "dev.plan.json", "--check"], { env: { INIT_CWD: dir } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Stack fastcart-dev \(project fastcart-orders\): \d+ resources/);
    assert.match(result.stdout, /\nCOUNT {2}TYPE\n/);
    assert.match(result.stderr, /^planning fastcart-dev…\nplanned fastcart-dev: \d+ resources in [\d.]+ s\n/);
    assert.match(result.stderr, /policies: 7 rules, 0 violation\(s\)\n$/);
    const plan = JSON.parse(readFileSync(join(dir, "dev.plan.json"), "utf8"));
    assert.deepEqual(Object.keys(plan), ["stack", "project", "resources", "outputs", "warnings"]);
    assert.equal(plan.stack, "fastcart-dev");
  });
});
