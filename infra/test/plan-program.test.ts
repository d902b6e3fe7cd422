/**
 * The plan machinery against a tiny throwaway program (test/plan/fixture-program.ts), one deliberate
 * defect per stack file. Several plans run one after another in this process, which is also the test
 * that `setMocks` + `setAllConfig` reset the runtime between plans.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { planProgram } from "../src/plan/plan.js";
import { readStackSettings, secretPlaceholder } from "../src/plan/stack-settings.js";
import { SECRET_PLACEHOLDER } from "../src/plan/types.js";
import { tinyProgram } from "./plan/fixture-program.js";

const FIXTURE_DIR = join(import.meta.dirname, "plan", "fixture-project");
const plan = (stack: string, options = {}) =>
  planProgram(readStackSettings(stack, FIXTURE_DIR), tinyProgram, options);
const PASSWORD = secretPlaceholder("tiny:dbPassword");

function planInChild(stack: string): { ok: boolean; message: string } {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "plan", "plan-fixture-child.ts"), stack],
    {
      encoding: "utf8",
    },
  );
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

describe("planProgram (fixture program)", () => {
  it("records every resource with type, name, parent, dependencies, provider and inputs", async () => {
    const progress: number[] = [];
    const result = await plan("tiny-dev", { onProgress: (count: number) => progress.push(count) });
    assert.equal(result.stack, "tiny-dev");
    assert.equal(result.project, "tiny");
    assert.deepEqual(result.warnings, []);
    const byName = new Map(result.resources.map((resource) => [resource.name, resource]));
    assert.deepEqual([...byName.keys()].sort(), [
      "tiny-key",
      "tiny-private-0",
      "tiny-private-1",
      "tiny-provider",
      "tiny-store",
      "tiny-store-db",
      "tiny-store-subnets",
      "tiny-store-token",
      "tiny-store-token-param",
      "tiny-vpc",
    ]);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const provider = byName.get("tiny-provider")!;
    assert.equal(provider.type, "pulumi:providers:aws");
    // Provider inputs reach the provider as JSON text, and the plan shows them that way.
    assert.equal(provider.inputs["defaultTags"], '{"tags":{"Project":"tiny"}}');
    assert.equal(byName.get("tiny-key")!.provider, provider.urn);

    const store = byName.get("tiny-store")!;
    const db = byName.get("tiny-store-db")!;
    assert.equal(store.custom, false);
    assert.equal(store.parent, null);
    assert.equal(db.parent, store.urn);
    assert.equal(
      db.urn,
      "urn:pulumi:tiny-dev::tiny::tiny:components:Store$aws:rds/instance:Instance::tiny-store-db",
    );
    assert.equal(db.custom, true);
    assert.equal(db.provider, null);
    // Dependencies through inputs, per property, and an explicit dependsOn.
    assert.deepEqual(db.propertyDependencies["kmsKeyId"], [byName.get("tiny-key")!.urn]);
    assert.ok(db.dependsOn.includes(byName.get("tiny-store-subnets")!.urn));
    assert.ok(byName.get("tiny-store-token-param")!.dependsOn.includes(db.urn));
    assert.deepEqual(byName.get("tiny-store-subnets")!.propertyDependencies["subnetIds"], [
      byName.get("tiny-private-0")!.urn,
      byName.get("tiny-private-1")!.urn,
    ]);
    // Inputs under @pulumi/aws names, with mock-computed values flowing between resources.
    assert.equal(db.inputs["instanceClass"], "db.t3.micro");
    assert.match(String(db.inputs["kmsKeyId"]), /^arn:aws:kms:eu-central-1:123456789012:key\/[0-9a-f-]{36}$/);
    assert.match(String(byName.get("tiny-private-0")!.inputs["vpcId"]), /^vpc-[0-9a-f]{17}$/);
    // Structured config arrives as an object (requireObject), the project default as a number.
    assert.deepEqual(byName.get("tiny-vpc")!.inputs["tags"], { Team: "orders" });
    assert.equal(result.outputs["instances"], 1);
    assert.equal(result.outputs["account"], "123456789012");
    assert.equal(
      result.outputs["dbEndpoint"],
      db.inputs["identifier"] + ".bfec39577347.eu-central-1.rds.amazonaws.com:5432",
    );
  });

  it("redacts secrets: config secrets, generated passwords and values derived from them", async () => {
    const result = await plan("tiny-dev");
    const db = result.resources.find((resource) => resource.name === "tiny-store-db")!;
    assert.equal(db.inputs["password"], SECRET_PLACEHOLDER);
    assert.equal(
      (db.inputs["tags"] as Record<string, unknown>)["Token"],
      SECRET_PLACEHOLDER,
      "apply() on a secret stays secret",
    );
    assert.equal(
      result.resources.find((resource) => resource.name === "tiny-store-token-param")!.inputs["value"],
      SECRET_PLACEHOLDER,
    );
    assert.equal(result.outputs["password"], SECRET_PLACEHOLDER);
    const text = JSON.stringify(result);
    assert.ok(!text.includes(PASSWORD), "the config secret must not appear anywhere");
    assert.ok(!text.includes("plan-secret-value-of"), "no secret placeholder value may appear either");
  });

  it("is deterministic: the same stack plans to the same JSON", async () => {
    assert.equal(JSON.stringify(await plan("tiny-dev")), JSON.stringify(await plan("tiny-dev")));
  });

  it("catches a secret that lost its mark, redacts it and warns where", async () => {
    const result = await plan("tiny-leak");
    const vpc = result.resources.find((resource) => resource.name === "tiny-vpc")!;
    assert.equal((vpc.inputs["tags"] as Record<string, unknown>)["Leak"], SECRET_PLACEHOLDER);
    assert.ok(!JSON.stringify(result).includes(PASSWORD));
    assert.deepEqual(result.warnings, [
      `A secret value reached ${vpc.urn} inputs.tags.Leak without its secret mark (redacted here; fix the program).`,
    ]);
  });

  it("fails on two resources with the same URN, as the engine would", async () => {
    await assert.rejects(
      plan("tiny-duplicate"),
      /1 resource\(s\) failed to register:\n {2}aws:ec2\/vpc:Vpc tiny-vpc: duplicate URN urn:pulumi:tiny-duplicate::tiny::aws:ec2\/vpc:Vpc::tiny-vpc/,
    );
  });

  // These two also leave rejected promises inside Pulumi that nothing awaits, which the test runner would
  // blame on the running test, so they plan in a child process.
  it("fails with a pointer to the mocks when the program uses a data source the plan does not know", () => {
    const outcome = planInChild("tiny-unknown-invoke");
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.message,
      /^The offline plan has no stand-in for the data source "aws:ec2\/getVpc:getVpc"\. Add one to infra\/src\/plan\/mocks\.ts/,
    );
  });

  it("fails when a data source fails even though nothing uses its result", () => {
    const outcome = planInChild("tiny-unused-invoke");
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.message,
      /^Stack "tiny-unused-invoke": the program left errors unhandled:\n {2}Error: The offline plan has no stand-in for the data source "aws:ec2\/getVpc:getVpc"[^\n]*$/,
    );
  });

  it("passes the program's own error through", async () => {
    await assert.rejects(plan("tiny-throws"), /tiny program failed on purpose/);
  });

  it("needs aws:region", async () => {
    await assert.rejects(
      plan("tiny-noregion"),
      /Stack "tiny-noregion" sets no aws:region; add it to Pulumi\.tiny-noregion\.yaml\./,
    );
  });

  it("refuses a second plan while one is running (the Pulumi runtime is process-global)", async () => {
    const first = plan("tiny-dev");
    await assert.rejects(plan("tiny-dev"), /A plan is already running in this process/);
    await first;
  });
});
