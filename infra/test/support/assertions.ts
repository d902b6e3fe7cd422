/** Assertions shared by the component and stack tests. */
import assert from "node:assert/strict";
import type { Naming } from "../../src/naming.js";
import type { CapturedResource, MockHarness } from "./mocks.js";

export const REQUIRED_TAGS = ["Project", "Environment", "ManagedBy", "Stack"] as const;

/** The four mandatory tags with this naming's values. */
export function assertTagged(resource: CapturedResource, naming: Naming): void {
  const tags = resource.inputs["tags"] as Record<string, string> | undefined;
  assert.ok(tags, `${resource.type} ${resource.name} has tags`);
  assert.equal(tags["Project"], "fastcart-orders", `${resource.name} Project`);
  assert.equal(tags["Environment"], naming.environmentSuffix, `${resource.name} Environment`);
  assert.equal(tags["ManagedBy"], "pulumi", `${resource.name} ManagedBy`);
  assert.equal(tags["Stack"], naming.stackName, `${resource.name} Stack`);
}

/** Every captured custom resource is a child of the given component type. */
export function assertParentedTo(
  harness: MockHarness,
  resources: CapturedResource[],
  componentType: string,
): void {
  assert.ok(resources.length > 0, "the component created resources");
  for (const resource of resources) {
    assert.equal(harness.parentType(resource), componentType, `${resource.type} ${resource.name} parent`);
  }
}

/** Custom (AWS / random) resources whose logical name ends with the suffix. */
export function createdWithSuffix(harness: MockHarness, suffix: string): CapturedResource[] {
  return harness.resources.filter((r) => !r.type.startsWith("fastcart:") && r.name.endsWith(`-${suffix}`));
}

/** An IAM / key policy statement list from a JSON policy input. */
// biome-ignore lint/suspicious/noExplicitAny: policy documents are untyped JSON
export function statements(policy: unknown): any[] {
  assert.equal(typeof policy, "string", "policy is a JSON string");
  return JSON.parse(policy as string).Statement;
}

/** No statement grants a wildcard action (`*` or `service:*`). */
export function assertNoWildcardActions(policy: unknown): void {
  for (const statement of statements(policy)) {
    const actions = ([] as string[]).concat(statement.Action);
    for (const action of actions)
      assert.ok(action !== "*" && !action.endsWith(":*"), `wildcard action ${action}`);
  }
}
