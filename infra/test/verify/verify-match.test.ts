/** A deployment that matches the plan passes every check, for both stacks, and the verifier only reads. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Plan } from "../../src/plan/types.js";
import { callsOutsideVerifierPolicy, type Deployment, deploy } from "./deployment.js";
import { planStack, REGIONS } from "./plans.js";

/** What a read-only verifier may call: Describe*, Get*, List* (and STS GetCallerIdentity). */
const READ = /^[a-z0-9]+:(Describe|Get|List)[A-Za-z]*$/;

for (const stack of ["fastcart-dev", "orders-api-prod"] as const) {
  describe(`verify ${stack}: deployed as planned`, () => {
    let plan: Plan;
    let deployment: Deployment;
    before(async () => {
      plan = await planStack(stack);
      deployment = await deploy(plan, REGIONS[stack]);
    });
    after(() => deployment.stop());

    it("passes every check, prints one line per check with its timing and a summary, exits 0", async () => {
      const { code, out } = await deployment.verify({ jsonReport: "report.json" });
      assert.equal(code, 0, out.join("\n"));
      const lines = out.filter((line) => /^\[\s*\d+\/\d+\] (PASS|FAIL) /.test(line));
      assert.ok(lines.length >= (stack === "fastcart-dev" ? 12 : 10), out.join("\n"));
      for (const line of lines) assert.match(line, / PASS .* \d+ ms/);
      assert.match(
        out.at(-1) ?? "",
        new RegExp(`^verify ${stack}: ${lines.length} passed, 0 failed in [\\d.]+ s$`),
      );
      const report = JSON.parse(readFileSync(join(deployment.dir, "report.json"), "utf8"));
      assert.equal(report.ok, true);
      assert.equal(report.checks.length, lines.length);
      assert.deepEqual(Object.keys(report.checks[0]).sort(), [
        "id",
        "mismatches",
        "ms",
        "notes",
        "ok",
        "title",
      ]);
    });

    it("makes only read calls, and reads the stream from the real Kinesis API server", async () => {
      deployment.standIn.calls.length = 0;
      await deployment.verify();
      const writes = deployment.standIn.calls.filter((call) => !READ.test(call));
      assert.deepEqual(writes, []);
      if (stack === "fastcart-dev")
        assert.ok(deployment.standIn.calls.includes("kinesis:DescribeStreamSummary"));
    });

    it("calls only actions the verifier policy grants", async () => {
      deployment.standIn.calls.length = 0;
      await deployment.verify();
      assert.deepEqual(callsOutsideVerifierPolicy(deployment.standIn.calls, plan, false), []);
    });
  });
}
