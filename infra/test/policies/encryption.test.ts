import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALB_ACCESS_LOG_BUCKET_EXCEPTION } from "../../src/policies/bucket-encryption.js";
import { encryptedWithCustomerKey } from "../../src/policies/encryption.js";
import * as buckets from "./fixtures/buckets.js";
import { bad, good } from "./fixtures/encryption.js";
import { assertAccepts, assertRejects } from "./rule-fixture.js";

describe("rule data-encrypted-with-customer-key", () => {
  it("accepts every kind of data store encrypted with the stack's rotating key (directly or through its alias)", () => {
    assertAccepts(encryptedWithCustomerKey, good);
  });
  it("rejects unencrypted stores, AWS-managed keys, keys from outside the stack and keys without rotation", () => {
    assertRejects(encryptedWithCustomerKey, bad);
  });
  it("S3: KMS with the stack key passes; SSE-S3 only under the named ALB access-log exception", () => {
    assertAccepts(encryptedWithCustomerKey, buckets.good);
    assertRejects(encryptedWithCustomerKey, buckets.bad);
    assert.equal(ALB_ACCESS_LOG_BUCKET_EXCEPTION.name, "alb-access-log-bucket-sse-s3");
  });
});
