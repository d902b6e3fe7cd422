/** Every rule against a real stack's offline plan: the stack must comply, rule by rule. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { planStack } from "../../src/plan/plan.js";
import type { Plan, PlanResource } from "../../src/plan/types.js";
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

/** A plan resource whose inputs and dependencies a test may change. */
interface Mutable extends Omit<PlanResource, "inputs" | "propertyDependencies"> {
  inputs: Record<string, unknown>;
  propertyDependencies: Record<string, string[]>;
}

function only(resources: Mutable[], type: string): Mutable {
  const matches = resources.filter((resource) => resource.type === type);
  assert.equal(matches.length, 1, `expected one ${type}`);
  return matches[0] as Mutable;
}

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

    /** One realistic regression per rule, applied to a copy of the real graph: each must be caught. */
    const REGRESSIONS: Record<string, (resources: Mutable[]) => Mutable> = {
      "data-encrypted-with-customer-key": (resources) => {
        const repository = only(resources, "aws:ecr/repository:Repository");
        repository.inputs["encryptionConfigurations"] = [{ encryptionType: "AES256" }];
        delete repository.propertyDependencies["encryptionConfigurations"];
        return repository;
      },
      "data-stores-private": (resources) => {
        const group = resources.find(
          (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name.includes("-db-sg-"),
        )!;
        (group.inputs["ingress"] as Record<string, unknown>[]).push({
          protocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          cidrBlocks: ["10.0.0.0/8"],
        });
        return resources.find((r) =>
          (r.propertyDependencies["vpcSecurityGroupIds"] ?? []).includes(group.urn),
        )!;
      },
      "no-open-ingress": (resources) => {
        const group = resources.find(
          (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name.includes("-service-sg-"),
        )!;
        (group.inputs["ingress"] as Record<string, unknown>[]).push({
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ["0.0.0.0/0"],
        });
        return group;
      },
      "iam-least-privilege": (resources) => {
        const policy = resources.find(
          (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("execution"),
        )!;
        const document = JSON.parse(String(policy.inputs["policy"]));
        document.Statement.push({ Effect: "Allow", Action: "s3:*", Resource: "*" });
        policy.inputs["policy"] = JSON.stringify(document);
        return policy;
      },
      "tasks-without-public-ip": (resources) => {
        const service = only(resources, "aws:ecs/service:Service");
        (service.inputs["networkConfiguration"] as Record<string, unknown>)["assignPublicIp"] = true;
        return service;
      },
      "names-carry-environment-suffix": (resources) => {
        const vpc = only(resources, "aws:ec2/vpc:Vpc");
        (vpc.inputs["tags"] as Record<string, unknown>)["Name"] = "fastcart-vpc";
        return vpc;
      },
      "required-tags": (resources) => {
        const vpc = only(resources, "aws:ec2/vpc:Vpc");
        delete (vpc.inputs["tags"] as Record<string, unknown>)["ManagedBy"];
        return vpc;
      },
    };

    for (const rule of RULES) {
      it(`${rule.name}: catches a regression in this stack's real graph`, () => {
        const resources = structuredClone(plan.resources) as Mutable[];
        const regression = REGRESSIONS[rule.name];
        assert.ok(regression, `no regression written for ${rule.name}`);
        const broken = regression(resources);
        const violations = checkResources(resources, policyContextForStack(stack), [rule]);
        assert.ok(
          violations.length > 0 && violations.every((violation) => violation.urn === broken.urn),
          JSON.stringify(violations),
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
