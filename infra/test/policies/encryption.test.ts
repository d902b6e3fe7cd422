import { describe, it } from "node:test";
import { encryptedWithCustomerKey } from "../../src/policies/encryption.js";
import { bad, good } from "./fixtures/encryption.js";
import { assertAccepts, assertRejects } from "./rule-fixture.js";

describe("rule data-encrypted-with-customer-key", () => {
  it("accepts every kind of data store encrypted with the stack's rotating key (directly or through its alias)", () => {
    assertAccepts(encryptedWithCustomerKey, good);
  });
  it("rejects unencrypted stores, AWS-managed keys, keys from outside the stack and keys without rotation", () => {
    assertRejects(encryptedWithCustomerKey, bad);
  });
});
