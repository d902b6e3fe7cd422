/**
 * A deployment whose identifiers are not the plan's — another account, other key and VPC ids, an
 * RDS-named master secret, as any real `pulumi up` produces — still passes: the verifier maps plan ids to live
 * ones through the caller's account, the outputs and the key behind the stack's alias.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { PLAN_ACCOUNT_ID } from "../../src/plan/mocks.js";
import type { Plan } from "../../src/plan/types.js";
import { deploy, EXIT } from "./deployment.js";
import { planStack, REGIONS } from "./plans.js";

/** The plan's key id: the target of the stack's alias. */
function planKeyId(plan: Plan): string {
  return String(plan.resources.find((r) => r.type === "aws:kms/alias:Alias")?.inputs["targetKeyId"]);
}

for (const stack of ["fastcart-dev", "orders-api-prod"] as const) {
  it(`${stack}: passes with the account's own ids, and the live account is the one checked`, async () => {
    const plan = await planStack(stack);
    const vpc = String(plan.outputs["vpc_id"] ?? plan.outputs["vpcId"]);
    const liveIds = {
      [PLAN_ACCOUNT_ID]: "111122223333",
      [planKeyId(plan)]: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      [vpc]: "vpc-0f1e2d3c4b5a69788",
      // RDS names the master secret it manages with a suffix of its own, unknown to the plan.
      "secret:rds!": "secret:rds!live-",
    };
    const deployment = await deploy(plan, REGIONS[stack], liveIds);
    try {
      const { code, out, err } = await deployment.verify();
      assert.equal(code, EXIT.ok, out.join("\n"));
      assert.match(err.join("\n"), /\(account 111122223333\)/);
      assert.match(out.join("\n"), /kms-key .* → 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/);
    } finally {
      await deployment.stop();
    }
  });
}
