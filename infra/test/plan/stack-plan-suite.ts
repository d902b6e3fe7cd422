/**
 * What every stack's offline plan must satisfy; each stack's test file calls this once (one stack per
 * process, the way the CLI plans).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { generatedPassword } from "../../src/plan/mocks.js";
import { planStack } from "../../src/plan/plan.js";
import { formatPlanTable } from "../../src/plan/table.js";
import { type Plan, SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "../../src/plan/types.js";

const RESOURCE_KEYS = [
  "urn",
  "type",
  "name",
  "parent",
  "dependsOn",
  "propertyDependencies",
  "provider",
  "custom",
  "inputs",
];

export function stackPlanSuite(stack: string, expectedOutputs: readonly string[]): void {
  describe(`offline plan of ${stack}`, () => {
    let plan: Plan;
    let json: Record<string, unknown> & { resources: Record<string, unknown>[] };
    let seconds = 0;
    before(async () => {
      const started = performance.now();
      plan = await planStack(stack);
      seconds = (performance.now() - started) / 1000;
      json = JSON.parse(JSON.stringify(plan));
    });

    it("runs in seconds and registers the whole program without warnings", () => {
      assert.ok(seconds < 30, `took ${seconds} s`);
      assert.ok(plan.resources.length > 40, `only ${plan.resources.length} resources`);
      assert.deepEqual(plan.warnings, []);
    });

    it("writes the documented JSON shape", () => {
      assert.deepEqual(Object.keys(json), ["stack", "project", "resources", "outputs", "warnings"]);
      assert.equal(json["stack"], stack);
      assert.equal(json["project"], "fastcart-orders");
      for (const resource of json.resources) {
        assert.deepEqual(Object.keys(resource), RESOURCE_KEYS);
        assert.match(String(resource["urn"]), new RegExp(`^urn:pulumi:${stack}::fastcart-orders::`));
      }
      assert.equal(
        new Set(plan.resources.map((resource) => resource.urn)).size,
        plan.resources.length,
        "URNs are unique",
      );
    });

    it("fills parents and dependencies with URNs of the same plan", () => {
      const urns = new Set(plan.resources.map((resource) => resource.urn));
      for (const resource of plan.resources) {
        if (resource.parent !== null)
          assert.ok(urns.has(resource.parent), `${resource.name}: parent ${resource.parent}`);
        for (const dependency of resource.dependsOn)
          assert.ok(urns.has(dependency), `${resource.name}: ${dependency}`);
        for (const sources of Object.values(resource.propertyDependencies)) {
          for (const source of sources)
            assert.ok(resource.dependsOn.includes(source), `${resource.name}: ${source}`);
        }
      }
      // Every AWS resource belongs to one of the components.
      for (const resource of plan.resources.filter((candidate) => candidate.custom)) {
        const parent = plan.resources.find((candidate) => candidate.urn === resource.parent);
        assert.ok(parent && !parent.custom, `${resource.name} is not inside a component`);
      }
      // The service waits for what it runs: its task definition, cluster and security group.
      const service = plan.resources.find((resource) => resource.type === "aws:ecs/service:Service")!;
      for (const type of [
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:ecs/cluster:Cluster",
        "aws:ec2/securityGroup:SecurityGroup",
      ]) {
        assert.ok(
          service.dependsOn.some(
            (urn) => plan.resources.find((resource) => resource.urn === urn)?.type === type,
          ),
          `service does not depend on a ${type}`,
        );
      }
    });

    it("never contains a secret: generated passwords and tokens appear only as the placeholder", () => {
      const text = JSON.stringify(plan);
      const generated = plan.resources.filter(
        (resource) => resource.type === "random:index/randomPassword:RandomPassword",
      );
      assert.ok(generated.length > 0, "the stack generates its secrets");
      for (const resource of generated) {
        const value = generatedPassword(resource.type, resource.name, Number(resource.inputs["length"]));
        assert.ok(!text.includes(value), `the value of ${resource.name} leaked`);
      }
      const versions = plan.resources.filter(
        (resource) => resource.type === "aws:secretsmanager/secretVersion:SecretVersion",
      );
      assert.ok(versions.length > 0);
      for (const version of versions)
        assert.equal(version.inputs["secretString"], SECRET_PLACEHOLDER, version.name);
      for (const group of plan.resources.filter(
        (r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup",
      )) {
        assert.equal(group.inputs["authToken"], SECRET_PLACEHOLDER);
      }
    });

    it("resolves exactly the stack outputs its profile requires", () => {
      assert.deepEqual(Object.keys(plan.outputs).sort(), [...expectedOutputs].sort());
      for (const [name, value] of Object.entries(plan.outputs)) {
        assert.ok(
          value !== undefined && value !== null && value !== "" && value !== UNKNOWN_PLACEHOLDER,
          `${name} = ${String(value)}`,
        );
      }
    });

    it("prints a table with every resource and a count per type", () => {
      const table = formatPlanTable(plan);
      assert.match(
        table,
        new RegExp(`^Stack ${stack} \\(project fastcart-orders\\): ${plan.resources.length} resources`),
      );
      for (const resource of plan.resources) assert.ok(table.includes(resource.name), resource.name);
      const types = new Set(plan.resources.map((resource) => resource.type));
      for (const type of types) {
        const count = plan.resources.filter((resource) => resource.type === type).length;
        assert.match(table, new RegExp(`\\n +${count}  ${type.replace(/[$/]/g, "\\$&")}\\n`));
      }
    });
  });
}
