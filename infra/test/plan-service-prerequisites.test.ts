/**
 * The ECS service of each stack's offline plan waits for everything AWS needs to exist first. Named
 * here resource by resource, independently of the program's own list (`service-prerequisites.ts`):
 * dropping one from the service's `dependsOn` — or from that list and its check together — fails this.
 * What the service receives as an input (task definition, target groups, alarm names) is a dependency
 * through the input; the others (capacity providers, log group, role policies, egress rules, the
 * listener) only through `dependsOn`.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { inventResource } from "../src/plan/invent.js";
import { planStack } from "../src/plan/plan.js";
import { readStackSettings } from "../src/plan/stack-settings.js";
import type { Plan, PlanResource } from "../src/plan/types.js";

type Prerequisite = readonly [type: string, name: string, why: string];

const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

const common = (env: string, egress: readonly string[]): Prerequisite[] => [
  [
    CAPACITY,
    `fastcart-cluster-${env}`,
    "a strategy naming FARGATE/FARGATE_SPOT before the cluster has them fails",
  ],
  [LOG_GROUP, `fastcart-logs-${env}`, "the awslogs driver fails a task whose group does not exist"],
  [ROLE_POLICY, `fastcart-task-execution-role-${env}`, "image pull, secrets and logs at task start"],
  [ROLE_POLICY, `fastcart-task-role-${env}`, "rds-db:connect (and the stream) as the containers start"],
  ...egress.map((to): Prerequisite => [EGRESS, `fastcart-service-egress-${to}-${env}`, `egress to ${to}`]),
  [ALARM, `fastcart-deploy-tasks-below-desired-${env}`, "deployment alarm: rollback when tasks do not start"],
];

const PREREQUISITES: Readonly<Record<string, readonly Prerequisite[]>> = {
  "fastcart-dev": [
    ...common("dev", ["db", "https", "redis", "api"]),
    [ALARM, "fastcart-deploy-stream-lag-dev", "deployment alarm: the new workers fall behind the stream"],
  ],
  "orders-api-prod": [
    ...common("prod", ["db", "https"]),
    [
      "aws:lb/listenerRule:ListenerRule",
      "fastcart-prod-rule-prod",
      "blue/green rewrites this rule's weights",
    ],
    ["aws:lb/targetGroup:TargetGroup", "fastcart-tg-blue-prod", "the production target group"],
    ["aws:lb/targetGroup:TargetGroup", "fastcart-tg-green-prod", "the alternate target group"],
    [
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "fastcart-ecs-infra-role-prod",
      "ECS needs the infrastructure role's policy to move traffic",
    ],
    [ALARM, "fastcart-deploy-unhealthy-blue-prod", "deployment alarm: unhealthy targets in blue"],
    [ALARM, "fastcart-deploy-unhealthy-green-prod", "deployment alarm: unhealthy targets in green"],
    [ALARM, "fastcart-deploy-5xx-rate-prod", "deployment alarm: the new revision's 5xx rate"],
  ],
};

for (const [stack, prerequisites] of Object.entries(PREREQUISITES)) {
  describe(`ECS service prerequisites in the plan of ${stack}`, () => {
    let plan: Plan;
    let service: PlanResource;
    let region: string;
    const find = (type: string, name: string) =>
      plan.resources.find((resource) => resource.type === type && resource.name === name);
    before(async () => {
      plan = await planStack(stack);
      region = String(readStackSettings(stack).config["aws:region"]);
      service = plan.resources.find((resource) => resource.type === "aws:ecs/service:Service")!;
    });

    for (const [type, name, why] of prerequisites) {
      it(`waits for ${type.split(":").at(-1)} ${name} (${why})`, () => {
        const prerequisite = find(type, name);
        assert.ok(prerequisite, `${type} ${name} is not in the plan`);
        assert.ok(
          service.dependsOn.includes(prerequisite.urn),
          `the ECS service does not depend on ${prerequisite.urn}`,
        );
      });
    }

    if (prerequisites.some(([type]) => type === "aws:lb/listenerRule:ListenerRule")) {
      it("waits for the listener of the production rule (tasks register only in a target group a listener uses)", () => {
        const rule = find("aws:lb/listenerRule:ListenerRule", "fastcart-prod-rule-prod")!;
        const listener = plan.resources.find(
          (resource) =>
            resource.type === "aws:lb/listener:Listener" &&
            inventResource(resource.type, resource.name, { ...resource.inputs }, region).id ===
              rule.inputs["listenerArn"],
        );
        assert.ok(listener, "the production rule's listener is not in the plan");
        assert.ok(
          service.dependsOn.includes(listener.urn),
          `the ECS service does not depend on ${listener.urn}`,
        );
      });
    }

    it("every capacity provider association, egress rule and deployment alarm of the plan is named above", () => {
      const named = new Set(prerequisites.map(([type, name]) => `${type}::${name}`));
      const unnamed = plan.resources
        .filter(
          (resource) => [CAPACITY, EGRESS].includes(resource.type) || resource.name.includes("-deploy-"),
        )
        .map((resource) => `${resource.type}::${resource.name}`)
        .filter((key) => !named.has(key));
      assert.deepEqual(unnamed, []);
    });

    it("rolls back on exactly those deployment alarms", () => {
      const alarms = service.inputs["alarms"] as { alarmNames: string[]; enable: boolean; rollback: boolean };
      assert.ok(alarms, "the service has no deployment alarms");
      assert.deepEqual([alarms.enable, alarms.rollback], [true, true]);
      const expected = prerequisites.filter(([type]) => type === ALARM).map(([, name]) => name);
      const names = expected.map((name) => find(ALARM, name)?.inputs["name"]);
      assert.deepEqual([...alarms.alarmNames].sort(), [...names].sort());
    });
  });
}
