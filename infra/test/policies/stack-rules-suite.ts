/** Every rule against a real stack's offline plan: the stack must comply, rule by rule. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { planStack } from "../../src/plan/plan.js";
import type { Plan } from "../../src/plan/types.js";
import { policyContextForStack } from "../../src/policies/context.js";
import { checkResources, RULES } from "../../src/policies/rules.js";

/** Types each rule must find in a real stack, so a pass is not a rule that looked at nothing. */
const RULE_SUBJECTS: Readonly<Record<string, readonly string[]>> = {
  "data-encrypted-with-customer-key": [
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ecr/repository:Repository",
  ],
  "data-stores-private": ["aws:ec2/securityGroup:SecurityGroup", "aws:rds/subnetGroup:SubnetGroup"],
  "no-open-ingress": ["aws:ec2/securityGroup:SecurityGroup"],
  "iam-least-privilege": ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"],
  "tasks-without-public-ip": ["aws:ecs/service:Service"],
  "names-carry-environment-suffix": ["aws:ec2/vpc:Vpc"],
  "required-tags": ["aws:ec2/vpc:Vpc"],
};

export function stackRulesSuite(stack: string, environmentSuffix: string): void {
  describe(`policy rules on ${stack}`, () => {
    let plan: Plan;
    before(async () => {
      plan = await planStack(stack);
    });

    it(`reads the stack's context from Pulumi.${stack}.yaml`, () => {
      assert.deepEqual(policyContextForStack(stack), { stack, environmentSuffix });
    });

    for (const rule of RULES) {
      it(`${rule.name}: no violations`, () => {
        for (const type of RULE_SUBJECTS[rule.name] ?? []) {
          assert.ok(
            plan.resources.some((resource) => resource.type === type),
            `${stack} has no ${type} for ${rule.name}`,
          );
        }
        const violations = checkResources(plan.resources, policyContextForStack(stack), [rule]);
        assert.deepEqual(
          violations.map((violation) => violation.message),
          [],
        );
      });
    }

    it("the same rules reject this stack's plan under another stack's suffix (the rules read the plan, not a constant)", () => {
      const violations = checkResources(plan.resources, { stack: "other", environmentSuffix: "other" });
      assert.ok(violations.some((violation) => violation.rule === "names-carry-environment-suffix"));
      assert.ok(violations.some((violation) => violation.rule === "required-tags"));
    });
  });
}
