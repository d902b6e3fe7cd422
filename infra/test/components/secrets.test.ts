import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Secrets } from "../../src/components/secrets.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { installMocks, type MockHarness, resolve, unwrapSecret } from "../support/mocks.js";

const withCache = { environmentSuffix: "sc", stackName: "unit" };
const withoutCache = { environmentSuffix: "sn", stackName: "unit" };
const keyArn = "arn:aws:kms:eu-central-1:123456789012:key/k";

describe("Secrets", () => {
  let harness: MockHarness;
  let cached: Secrets;
  let plain: Secrets;
  before(async () => {
    harness = await installMocks("eu-central-1");
    cached = new Secrets("fastcart-secrets-sc", {
      naming: withCache,
      kmsKeyArn: keyArn,
      cacheAuthToken: true,
    });
    plain = new Secrets("fastcart-secrets-sn", {
      naming: withoutCache,
      kmsKeyArn: keyArn,
      recoveryWindowInDays: 7,
    });
    await resolve(cached.jwtSecretArn);
    await harness.settle();
  });

  it("stores a generated JWT secret in Secrets Manager under the stack key", () => {
    const secret = harness.one("aws:secretsmanager/secret:Secret", "fastcart-jwt-secret-sc");
    assert.equal(secret.inputs["kmsKeyId"], keyArn);
    assert.equal(secret.inputs["recoveryWindowInDays"], 0);
    assertTagged(secret, withCache);
    const password = harness.one(
      "random:index/randomPassword:RandomPassword",
      "fastcart-jwt-secret-value-sc",
    );
    assert.equal(password.inputs["length"], 64);
    const version = harness.one("aws:secretsmanager/secretVersion:SecretVersion", "fastcart-jwt-secret-sc");
    assert.equal(
      version.inputs["secretId"],
      harness.idOf("aws:secretsmanager/secret:Secret", "fastcart-jwt-secret-sc"),
      "a secret's id is its ARN",
    );
    assert.deepEqual(unwrapSecret(version.inputs["secretString"]), {
      secret: true,
      value: harness.one("random:index/randomPassword:RandomPassword", "fastcart-jwt-secret-value-sc").state[
        "result"
      ],
    });
  });

  it("generates the Redis AUTH token (no special characters ElastiCache refuses) only with a cache", async () => {
    const token = harness.one(
      "random:index/randomPassword:RandomPassword",
      "fastcart-redis-auth-token-value-sc",
    );
    assert.deepEqual([token.inputs["length"], token.inputs["special"]], [64, false]);
    harness.one("aws:secretsmanager/secret:Secret", "fastcart-redis-auth-token-sc");
    assert.equal(await resolve(cached.cacheAuthToken!), token.state["result"]);
    assert.equal(plain.cacheAuthTokenSecret, undefined);
    assert.equal(
      harness.ofType("aws:secretsmanager/secret:Secret").filter((s) => s.name.endsWith("-sn")).length,
      1,
    );
    assert.equal(
      harness.one("aws:secretsmanager/secret:Secret", "fastcart-jwt-secret-sn").inputs[
        "recoveryWindowInDays"
      ],
      7,
    );
  });

  it("keeps generated values secret and parents everything to the component", async () => {
    assert.equal(await pulumi.isSecret(cached.cacheAuthToken!), true);
    assertParentedTo(harness, createdWithSuffix(harness, "sc"), "fastcart:components:Secrets");
  });
});
