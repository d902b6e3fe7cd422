/** The verifier's IAM policy: read-only metadata, scoped to the stack; RunTask only where smoke needs a task. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planProgram } from "../src/plan/plan.js";
import { readStackSettings } from "../src/plan/stack-settings.js";
import { policyContextForStack } from "../src/policies/context.js";
import { checkResources } from "../src/policies/rules.js";
import { verifierPolicyDocument } from "../src/verifier-policy.js";

const naming = { environmentSuffix: "dev", stackName: "fastcart-dev" };
const actions = (smokeTask: boolean) =>
  verifierPolicyDocument({
    naming,
    region: "eu-central-1",
    accountId: "111122223333",
    smokeTask,
  }).Statement.flatMap((s) => s.Action);

describe("verifierPolicyDocument", () => {
  it("grants only Describe/Get/List metadata reads without the smoke task", () => {
    for (const action of actions(false))
      assert.match(action, /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]+$/, action);
    assert.ok(!actions(false).includes("secretsmanager:GetSecretValue"));
  });

  it("adds RunTask on the stack's task definition and PassRole to ECS only for the smoke task", () => {
    const document = verifierPolicyDocument({
      naming,
      region: "eu-central-1",
      accountId: "111122223333",
      smokeTask: true,
    });
    const run = document.Statement.find((s) => s.Sid === "RunSmokeTask");
    assert.deepEqual(
      run?.Resource,
      "arn:aws:ecs:eu-central-1:111122223333:task-definition/fastcart-orders-dev:*",
    );
    assert.deepEqual(run?.Condition, {
      ArnEquals: { "ecs:cluster": "arn:aws:ecs:eu-central-1:111122223333:cluster/fastcart-cluster-dev" },
    });
    const pass = document.Statement.find((s) => s.Sid === "PassSmokeTaskRoles");
    assert.deepEqual(pass?.Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
    assert.deepEqual(
      actions(true).filter((a) => !actions(false).includes(a)),
      ["ecs:RunTask", "iam:PassRole"],
    );
  });
});

for (const stack of ["fastcart-dev", "orders-api-prod"]) {
  it(`${stack} with createVerifierPolicy: the policy is planned and passes every policy rule`, async () => {
    const settings = readStackSettings(stack);
    const plan = await planProgram(
      { ...settings, config: { ...settings.config, "fastcart-orders:createVerifierPolicy": "true" } },
      async () => {
        const entry = await import("../index.js");
        return entry.default();
      },
    );
    const policies = plan.resources.filter(
      (r) => r.type === "aws:iam/policy:Policy" && String(r.inputs["name"]).startsWith("fastcart-verifier-"),
    );
    assert.equal(policies.length, 1);
    const document = JSON.parse(String(policies[0]?.inputs["policy"])) as { Statement: { Sid: string }[] };
    assert.equal(
      document.Statement.some((s) => s.Sid === "RunSmokeTask"),
      stack === "fastcart-dev",
    );
    assert.deepEqual(checkResources(plan.resources, policyContextForStack(stack)), []);
  });
}
