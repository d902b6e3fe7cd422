import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Registry } from "../../src/components/registry.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { REGISTRY_DEFAULTS } from "../support/component-defaults.js";
import { installMocks, json, type MockHarness, resolve } from "../support/mocks.js";

const naming = { environmentSuffix: "rg", stackName: "unit" };
const keyArn = "arn:aws:kms:eu-central-1:123456789012:key/k";

describe("Registry", () => {
  let harness: MockHarness;
  let registry: Registry;
  before(async () => {
    harness = await installMocks("eu-central-1");
    registry = new Registry("fastcart-registry-rg", { ...REGISTRY_DEFAULTS, naming, kmsKeyArn: keyArn });
    await resolve(registry.repositoryUrl);
    await harness.settle();
  });

  it("scans on push, encrypts with the stack key and keeps tags mutable", () => {
    const repo = harness.one("aws:ecr/repository:Repository");
    assert.equal(repo.inputs["name"], "fastcart-ecr-rg");
    assert.deepEqual(repo.inputs["imageScanningConfiguration"], { scanOnPush: true });
    assert.deepEqual(repo.inputs["encryptionConfigurations"], [{ encryptionType: "KMS", kmsKey: keyArn }]);
    assert.equal(repo.inputs["imageTagMutability"], "MUTABLE");
    assertTagged(repo, naming);
  });

  it("expires images beyond the newest ecrKeepImages (its declared default)", () => {
    const policy = json(harness.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"]);
    assert.deepEqual(policy.rules[0].selection, {
      tagStatus: "any",
      countType: "imageCountMoreThan",
      countNumber: REGISTRY_DEFAULTS.keepImages,
    });
    assert.deepEqual(policy.rules[0].action, { type: "expire" });
  });

  it("is parented to the component and exports the repository URL", async () => {
    assertParentedTo(harness, createdWithSuffix(harness, "rg"), "fastcart:components:Registry");
    assert.equal(
      await resolve(registry.repositoryUrl),
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fastcart-ecr-rg",
    );
  });
});
