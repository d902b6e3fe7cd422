/**
 * The contract suite for one stack: its plan must satisfy the contract, and the checker must catch each
 * way either side can drift (each mutation below breaks one rule on a copy of the real plan).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { planStack } from "../../src/plan/plan.js";
import type { Plan, PlanResource } from "../../src/plan/types.js";
import { type ContainerDefinition, containerDefinitions, contractViolations } from "./contract.js";

type Mutation = (containers: ContainerDefinition[]) => void;

function withContainers(plan: Plan, mutate: Mutation): Plan {
  const copy = structuredClone(plan) as Plan & { resources: PlanResource[] };
  const index = copy.resources.findIndex(
    (resource) =>
      resource.type === "aws:ecs/taskDefinition:TaskDefinition" &&
      containerDefinitions(resource).some((container) => container.name === "api"),
  );
  const resource = copy.resources[index]!;
  const containers = containerDefinitions(resource);
  mutate(containers);
  copy.resources[index] = {
    ...resource,
    inputs: { ...resource.inputs, containerDefinitions: JSON.stringify(containers) },
  };
  return copy;
}

const named = (containers: ContainerDefinition[], name: string) => containers.find((c) => c.name === name)!;

export function contractSuite(stack: string): void {
  describe(`infra ↔ service contract: ${stack}`, () => {
    let plan: Plan;
    before(async () => {
      plan = await planStack(stack);
    });

    test("the task definitions give every container what the service needs, as it needs it", () => {
      assert.deepEqual(contractViolations(plan), []);
    });

    const breaks: [string, Mutation, RegExp][] = [
      [
        "a secret moved to plain environment",
        (c) => {
          const api = named(c, "api");
          const secret = api.secrets!.find((s) => s.name === "AUTH_JWT_SECRET")!;
          api.secrets = api.secrets!.filter((s) => s !== secret);
          api.environment!.push({ name: "AUTH_JWT_SECRET", value: "hunter2hunter2hunter2hunter2hunter2" });
        },
        /api: AUTH_JWT_SECRET is a secret and must arrive through secrets/,
      ],
      [
        "the master credentials given to the API",
        (c) => {
          named(c, "api").secrets!.push({
            name: "DB_ADMIN_PASSWORD",
            valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-x:password::",
          });
        },
        /api: DB_ADMIN_PASSWORD is for migrate only/,
      ],
      [
        "a variable the service does not read",
        (c) => named(c, "api").environment!.push({ name: "DATABASE_HOST", value: "x" }),
        /api: environment DATABASE_HOST is not a variable the service reads/,
      ],
      [
        "a required secret missing",
        (c) => {
          const api = named(c, "api");
          api.secrets = api.secrets!.filter((s) => s.name !== "AUTH_JWT_SECRET");
        },
        /api: the service rejects its environment: AUTH_JWT_SECRET: required/,
      ],
      [
        "an invalid value",
        (c) => named(c, "worker").environment!.push({ name: "DB_POOL_MAX", value: "lots" }),
        /worker: the service rejects its environment: DB_POOL_MAX: must be an integer/,
      ],
      [
        "a role the image does not have",
        (c) => {
          named(c, "api").command = ["server"];
        },
        /api: command \["server"\] is not one of the image's roles/,
      ],
      [
        "the API port moved on one side only",
        (c) => {
          named(c, "api").portMappings = [{ containerPort: 8080 }];
        },
        /api: portMappings \[8080\] do not expose the API port 3000/,
      ],
      [
        "the worker on the API's port (one network namespace per task)",
        (c) => {
          const worker = named(c, "worker");
          worker.environment = worker.environment!.map((e) =>
            e.name === "PORT" ? { ...e, value: "3000" } : e,
          );
        },
        /worker: the work role would listen on 3000, the contract says 3001/,
      ],
      [
        "a health check on another path",
        (c) => {
          named(c, "api").healthCheck = {
            command: ["CMD", "node", "-e", "fetch('http://127.0.0.1:3000/status')"],
          };
        },
        /api: health check .* does not probe 127\.0\.0\.1:3000\/health/,
      ],
    ];
    for (const [name, mutate, expected] of breaks) {
      test(`catches ${name}`, () => {
        const problems = contractViolations(withContainers(plan, mutate));
        assert.ok(
          problems.some((problem) => expected.test(problem)),
          `expected a violation matching ${expected}, got:\n${problems.join("\n")}`,
        );
      });
    }
  });
}
