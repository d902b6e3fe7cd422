/** Shared assertions for a rule's fixtures: the bad one yields exactly the expected findings, the good one none. */
import assert from "node:assert/strict";
import type { PlanResource } from "../../src/plan/types.js";
import type { PolicyContext, Rule } from "../../src/policies/graph.js";
import { checkResources } from "../../src/policies/rules.js";
import { type BadFixture, CONTEXT } from "./fixtures/build.js";

export function assertRejects(rule: Rule, fixture: BadFixture, context: PolicyContext = CONTEXT): void {
  const violations = checkResources(fixture.resources, context, [rule]);
  const byName = new Map(fixture.resources.map((resource) => [resource.urn, resource.name]));
  const found = violations.map((violation) => ({
    name: byName.get(violation.urn),
    message: violation.message,
  }));
  for (const violation of violations) assert.equal(violation.rule, rule.name);
  for (const expected of fixture.expected) {
    assert.ok(
      found.some((finding) => finding.name === expected.name && finding.message.includes(expected.message)),
      `expected a violation on ${expected.name} containing "${expected.message}"; got:\n${found.map((f) => `  ${f.name}: ${f.message}`).join("\n")}`,
    );
  }
  assert.equal(
    found.length,
    fixture.expected.length,
    `unexpected extra violations:\n${found.map((f) => `  ${f.name}: ${f.message}`).join("\n")}`,
  );
}

export function assertAccepts(
  rule: Rule,
  resources: readonly PlanResource[],
  context: PolicyContext = CONTEXT,
): void {
  assert.deepEqual(checkResources(resources, context, [rule]), []);
}
