/**
 * The PolicyPack's wiring without starting the pack: how the engine's resources become the plan's shape,
 * how a rule becomes a `validateStack`, and where the stack's context comes from.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type PolicyResource, type StackValidationArgs, unknownCheckingProxy } from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy.js";
import { policyContextForStack, stackOfResources } from "../../src/policies/context.js";
import { encryptedWithCustomerKey } from "../../src/policies/encryption.js";
import { planResourcesFromPolicy } from "../../src/policies/policy-resource.js";
import { stackValidator } from "../../src/policies/validate.js";
import { resource } from "./fixtures/build.js";

/** A value the engine does not know during a preview, as the policy SDK represents it. */
const UNKNOWN_STRING = (policyProxy as unknown as { unknownStringValue: string }).unknownStringValue;
const STACK = "fastcart-dev";
const urn = (type: string, name: string) => `urn:pulumi:${STACK}::fastcart-orders::${type}::${name}`;

function policyResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<PolicyResource> = {},
): PolicyResource {
  return {
    type,
    name,
    urn: urn(type, name),
    props: unknownCheckingProxy(props),
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
    ...extra,
  } as PolicyResource;
}

const provider = {
  type: "pulumi:providers:aws",
  name: "default_7_0_0",
  urn: urn("pulumi:providers:aws", "default_7_0_0"),
  props: {},
};
const component = policyResource("fastcart:components:Encryption", "encryption", {});
const key = policyResource(
  "aws:kms/key:Key",
  "fastcart-kms-dev",
  {
    enableKeyRotation: false,
    arn: UNKNOWN_STRING,
    policy: { Statement: [{ Resource: UNKNOWN_STRING }, { Resource: "*" }] },
  },
  { parent: component, provider },
);
const logGroup = policyResource(
  "aws:cloudwatch/logGroup:LogGroup",
  "fastcart-logs-dev",
  { kmsKeyId: UNKNOWN_STRING, name: "/ecs/fastcart-orders-dev" },
  { provider, dependencies: [key], propertyDependencies: { kmsKeyId: [key] } },
);
const providerResource = policyResource("pulumi:providers:aws", "default_7_0_0", { region: "eu-central-1" });

describe("engine resources → plan shape", () => {
  it("copies props, turning values unknown during preview into the plan's [unknown]", () => {
    const [encryption, kms, logs, aws] = planResourcesFromPolicy([
      component,
      key,
      logGroup,
      providerResource,
    ]);
    assert.deepEqual(kms, {
      urn: key.urn,
      type: "aws:kms/key:Key",
      name: "fastcart-kms-dev",
      parent: component.urn,
      dependsOn: [],
      propertyDependencies: {},
      provider: provider.urn,
      custom: true,
      inputs: {
        enableKeyRotation: false,
        arn: "[unknown]",
        policy: { Statement: [{ Resource: "[unknown]" }, { Resource: "*" }] },
      },
    });
    assert.deepEqual(logs?.dependsOn, [key.urn]);
    assert.deepEqual(logs?.propertyDependencies, { kmsKeyId: [key.urn] });
    assert.equal(logs?.parent, null);
    assert.equal(encryption?.custom, false, "components have no provider");
    assert.equal(aws?.custom, true, "providers are resources too");
  });

  it("lets other errors through", () => {
    const exploding = policyResource("aws:ec2/vpc:Vpc", "v", {});
    Object.defineProperty(exploding, "props", {
      value: new Proxy(
        { a: 1 },
        {
          get: () => {
            throw new TypeError("broken proxy");
          },
        },
      ),
    });
    assert.throws(() => planResourcesFromPolicy([exploding]), /broken proxy/);
  });
});

describe("stackValidator", () => {
  const args = (resources: PolicyResource[]): StackValidationArgs => ({
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: () => {
      throw new Error("not expected");
    },
  });

  it("reports each violation of its rule on the resource, with the stack's context from its stack file", () => {
    const reports: [string, string | undefined][] = [];
    stackValidator(encryptedWithCustomerKey)(
      args([component, key, logGroup, providerResource]),
      (message, urnOfResource) => reports.push([message, urnOfResource]),
    );
    assert.deepEqual(reports, [
      [`fastcart-kms-dev (aws:kms/key:Key) must set enableKeyRotation = true.`, key.urn],
    ]);
  });

  it("has nothing to check in an empty stack", () => {
    stackValidator(encryptedWithCustomerKey)(args([]), () => assert.fail("no report expected"));
  });
});

describe("policy context", () => {
  it("comes from the stack file through src/config.ts", () => {
    assert.deepEqual(policyContextForStack("orders-api-prod"), {
      stack: "orders-api-prod",
      environmentSuffix: "prod",
    });
    assert.throws(() => policyContextForStack("nope"), /Unknown stack "nope"/);
  });

  it("takes the stack name from the URNs, and refuses a mix of stacks or none", () => {
    assert.equal(
      stackOfResources([resource("aws:ec2/vpc:Vpc", "v", {}, { stack: "orders-api-prod" })]),
      "orders-api-prod",
    );
    assert.throws(
      () =>
        stackOfResources([
          resource("aws:ec2/vpc:Vpc", "a"),
          resource("aws:ec2/vpc:Vpc", "b", {}, { stack: "other" }),
        ]),
      /Expected the resources of exactly one stack, found 2: fixture-dev, other\./,
    );
    assert.throws(() => stackOfResources([]), /found 0: \(none\)\./);
  });
});
