import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALLOWED_AWS_MANAGED_POLICIES,
  leastPrivilegeIam,
  RESOURCE_WILDCARD_ACTIONS,
} from "../../src/policies/iam.js";
import { bad, good } from "./fixtures/iam.js";
import { assertAccepts, assertRejects } from "./rule-fixture.js";

describe("rule iam-least-privilege", () => {
  it("accepts scoped statements, allow-listed wildcard actions with their conditions and reviewed managed policies", () => {
    assertAccepts(leastPrivilegeIam, good);
  });
  it("rejects wildcard actions, NotAction/NotResource, broad resources, anonymous principals and unreviewed managed policies", () => {
    assertRejects(leastPrivilegeIam, bad);
  });
  it("explains every allow-listed exception, and keys the actions in lower case (IAM matches them case-insensitively)", () => {
    for (const [action, entry] of Object.entries(RESOURCE_WILDCARD_ACTIONS)) {
      assert.equal(action, action.toLowerCase());
      assert.ok(entry.reason.length > 20, action);
    }
    for (const reason of Object.values(ALLOWED_AWS_MANAGED_POLICIES)) assert.ok(reason.length > 20);
  });
});
