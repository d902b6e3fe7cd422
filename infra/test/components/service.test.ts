import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { PENDING_ORDERS_METRIC } from "@fastcart/service/contract";
import type * as pulumi from "@pulumi/pulumi";
import {
  SERVICE_PREREQUISITES,
  type ServicePrerequisiteKey,
} from "../../src/components/service-prerequisites.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { json, resolve } from "../support/mocks.js";
import {
  createServiceFixture,
  image,
  jwtSecret,
  masterSecret,
  type ServiceFixture,
} from "./service-fixture.js";

describe("Service", () => {
  let f: ServiceFixture;
  before(async () => {
    f = await createServiceFixture();
  });
  const named = (type: string, name: string) => f.harness.one(type, name).inputs;
  const containers = (family: string) =>
    json(named("aws:ecs/taskDefinition:TaskDefinition", family)["containerDefinitions"]);
  const byName = (entries: { name: string; value?: string; valueFrom?: string }[]) =>
    Object.fromEntries(entries.map((e) => [e.name, e.value ?? e.valueFrom]));

  it("cluster: Container Insights as configured, FARGATE and FARGATE_SPOT providers", () => {
    assert.deepEqual(named("aws:ecs/cluster:Cluster", "fastcart-cluster-sv1")["settings"], [
      { name: "containerInsights", value: "enhanced" },
    ]);
    const providers = named(
      "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
      "fastcart-cluster-sv1",
    );
    assert.deepEqual(providers["capacityProviders"], ["FARGATE", "FARGATE_SPOT"]);
    assert.equal(providers["clusterName"], "fastcart-cluster-sv1");
  });

  it("task definition: Fargate awsvpc, api + worker by image digest, read-only roots with a /tmp scratch volume", () => {
    const td = named("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-sv1");
    assert.deepEqual(
      [td["cpu"], td["memory"], td["networkMode"], td["requiresCompatibilities"]],
      ["1024", "2048", "awsvpc", ["FARGATE"]],
    );
    assert.match(td["executionRoleArn"], /role\/fastcart-task-execution-role-sv1$/);
    assert.match(td["taskRoleArn"], /role\/fastcart-task-role-sv1$/);
    assert.deepEqual(td["volumes"], [{ name: "scratch" }]);
    const [api, worker] = containers("fastcart-orders-sv1");
    assert.deepEqual(
      [api.name, api.command, worker.name, worker.command],
      ["api", ["serve"], "worker", ["work"]],
    );
    for (const container of [api, worker]) {
      assert.equal(container.image, image);
      assert.match(container.image, /@sha256:[0-9a-f]{64}$/);
      assert.equal(container.readonlyRootFilesystem, true);
      assert.deepEqual(container.mountPoints, [
        { sourceVolume: "scratch", containerPath: "/tmp", readOnly: false },
      ]);
    }
    assert.equal(api.logConfiguration.options["awslogs-group"], "/ecs/fastcart-orders-sv1");
    const sv2 = named("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-sv2");
    assert.deepEqual([sv2["cpu"], sv2["memory"]], ["512", "1024"]);
  });

  it("api and worker: IAM database auth as the app user, no password, no master secret", () => {
    for (const container of containers("fastcart-orders-sv1")) {
      const environment = byName(container.environment);
      assert.equal(environment.DB_AUTH, "iam");
      assert.equal(environment.DB_USER, "app");
      const secrets = byName(container.secrets);
      assert.deepEqual(Object.keys(secrets).sort(), ["AUTH_JWT_SECRET", "LOG_LEVEL", "WORKER_BATCH_SIZE"]);
      assert.equal(secrets.AUTH_JWT_SECRET, jwtSecret);
      assert.ok(
        !JSON.stringify(container).includes(masterSecret),
        `${container.name} sees the master secret`,
      );
    }
  });

  it("migrate: its own execution role, the master credentials through secrets, no task role", () => {
    const td = named("aws:ecs/taskDefinition:TaskDefinition", "fastcart-migrate-sv1");
    assert.match(td["executionRoleArn"], /role\/fastcart-migrate-execution-role-sv1$/);
    assert.equal(td["taskRoleArn"], undefined);
    assert.deepEqual([td["cpu"], td["memory"]], ["256", "512"]);
    const [migrate] = containers("fastcart-migrate-sv1");
    assert.deepEqual(migrate.command, ["migrate"]);
    assert.equal(migrate.readonlyRootFilesystem, true);
    const secrets = byName(migrate.secrets);
    assert.equal(secrets.DB_ADMIN_USER, `${masterSecret}:username::`);
    assert.equal(secrets.DB_ADMIN_PASSWORD, `${masterSecret}:password::`);
    assert.deepEqual(
      [byName(migrate.environment).DB_USER, byName(migrate.environment).DB_AUTH],
      ["app", "iam"],
    );
  });

  it("app config in SSM Parameter Store reaches the containers through `secrets` valueFrom", () => {
    const params = f.harness.ofType("aws:ssm/parameter:Parameter").filter((p) => p.name.endsWith("-sv1"));
    assert.deepEqual(
      params.map((p) => [p.inputs["name"], p.inputs["type"], p.inputs["insecureValue"]]).sort(),
      [
        ["/fastcart/sv1/LOG_LEVEL", "String", "warn"],
        ["/fastcart/sv1/WORKER_BATCH_SIZE", "String", "250"],
      ],
    );
    const [api] = containers("fastcart-orders-sv1");
    assert.match(String(byName(api.secrets).LOG_LEVEL), /:parameter\/fastcart\/sv1\/LOG_LEVEL$/);
    assert.equal(byName(api.environment).LOG_LEVEL, undefined);
  });

  it("log group: /ecs/fastcart-orders-<suffix>, the configured retention, the stack key", () => {
    const lg = named("aws:cloudwatch/logGroup:LogGroup", "fastcart-logs-sv1");
    assert.deepEqual([lg["name"], lg["retentionInDays"]], ["/ecs/fastcart-orders-sv1", 7]);
    assert.match(lg["kmsKeyId"], /:key\/k$/);
  });

  it("blue/green: BLUE_GREEN with the alternate group, production rule and infrastructure role", () => {
    const svc = named("aws:ecs/service:Service", "fastcart-service-sv1");
    assert.deepEqual(svc["deploymentConfiguration"], { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" });
    const [lb] = svc["loadBalancers"];
    assert.deepEqual([lb.containerName, lb.containerPort], ["api", 3000]);
    assert.equal(lb.targetGroupArn, f.harness.arnOf("aws:lb/targetGroup:TargetGroup", "sv1-tg-blue-edge"));
    assert.equal(
      lb.advancedConfiguration.alternateTargetGroupArn,
      f.harness.arnOf("aws:lb/targetGroup:TargetGroup", "sv1-tg-green-edge"),
    );
    assert.equal(
      lb.advancedConfiguration.productionListenerRule,
      f.harness.arnOf("aws:lb/listenerRule:ListenerRule", "sv1-rule-edge"),
    );
    assert.match(lb.advancedConfiguration.roleArn, /role\/fastcart-ecs-infra-role-sv1$/);
    assert.equal(svc["healthCheckGracePeriodSeconds"], 60);
  });

  it("every deployment rolls back by itself: circuit breaker and alarms, on blue/green and rolling", () => {
    const expected: Record<string, string[]> = {
      "fastcart-service-sv1": [
        "fastcart-deploy-tasks-below-desired-sv1",
        "fastcart-deploy-unhealthy-blue-sv1",
        "fastcart-deploy-unhealthy-green-sv1",
        "fastcart-deploy-5xx-rate-sv1",
      ],
      "fastcart-service-sv2": ["fastcart-deploy-tasks-below-desired-sv2", "fastcart-deploy-stream-lag-sv2"],
      // Container Insights off: no task-count metric, so only the ALB's alarms.
      "fastcart-service-sv3": ["fastcart-deploy-unhealthy-blue-sv3", "fastcart-deploy-5xx-rate-sv3"],
    };
    for (const [service, alarmNames] of Object.entries(expected)) {
      const svc = named("aws:ecs/service:Service", service);
      assert.deepEqual(svc["deploymentCircuitBreaker"], { enable: true, rollback: true }, service);
      assert.deepEqual(svc["alarms"], { alarmNames, enable: true, rollback: true }, service);
      for (const alarmName of alarmNames) named("aws:cloudwatch/metricAlarm:MetricAlarm", alarmName);
    }
  });

  it("deployment alarms: readiness-failing targets, 5xx share of requests, tasks below desired", () => {
    const unhealthy = named("aws:cloudwatch/metricAlarm:MetricAlarm", "fastcart-deploy-unhealthy-green-sv1");
    assert.deepEqual(
      [
        unhealthy["namespace"],
        unhealthy["metricName"],
        unhealthy["threshold"],
        unhealthy["comparisonOperator"],
      ],
      ["AWS/ApplicationELB", "UnHealthyHostCount", 1, "GreaterThanOrEqualToThreshold"],
    );
    assert.match(unhealthy["dimensions"].TargetGroup, /^targetgroup\/sv1-tg-green\//);
    assert.equal(unhealthy["dimensions"].LoadBalancer, "app/alb/1");
    const rate = named("aws:cloudwatch/metricAlarm:MetricAlarm", "fastcart-deploy-5xx-rate-sv1");
    assert.equal(rate["threshold"], 7);
    const queries = Object.fromEntries(rate["metricQueries"].map((q: { id: string }) => [q.id, q]));
    assert.deepEqual(
      [
        queries.target5xx.metric.metricName,
        queries.elb5xx.metric.metricName,
        queries.requests.metric.metricName,
      ],
      ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"],
    );
    assert.match(queries.rate.expression, /100 \* \(FILL\(target5xx, 0\) \+ FILL\(elb5xx, 0\)\) \/ requests/);
    const tasks = named("aws:cloudwatch/metricAlarm:MetricAlarm", "fastcart-deploy-tasks-below-desired-sv2");
    const taskQueries = Object.fromEntries(tasks["metricQueries"].map((q: { id: string }) => [q.id, q]));
    assert.deepEqual(taskQueries.running.metric.dimensions, {
      ClusterName: "fastcart-cluster-sv2",
      ServiceName: "fastcart-service-sv2",
    });
    assert.equal(taskQueries.missing.expression, "desired - running");
    assert.deepEqual([tasks["threshold"], tasks["comparisonOperator"]], [0, "GreaterThanThreshold"]);
    const lag = named("aws:cloudwatch/metricAlarm:MetricAlarm", "fastcart-deploy-stream-lag-sv2");
    assert.deepEqual(
      [lag["namespace"], lag["metricName"], lag["dimensions"], lag["statistic"], lag["threshold"]],
      [
        "AWS/Kinesis",
        "GetRecords.IteratorAgeMilliseconds",
        { StreamName: "fastcart-orders-stream-sv2" },
        "Maximum",
        60000,
      ],
    );
  });

  it("the ECS service waits for every prerequisite AWS needs, and the list names each of them", async () => {
    const shapes: [string, ServiceFixture["blueGreen"], ServicePrerequisiteKey[]][] = [
      ["fastcart-service-sv1", f.blueGreen, Object.keys(SERVICE_PREREQUISITES) as ServicePrerequisiteKey[]],
      [
        "fastcart-service-sv2",
        f.pipeline,
        [
          "capacityProviders",
          "logGroup",
          "executionRolePolicy",
          "taskRolePolicy",
          "egressRules",
          "deploymentAlarms",
        ],
      ],
      [
        "fastcart-service-sv3",
        f.rolling,
        [
          "capacityProviders",
          "logGroup",
          "executionRolePolicy",
          "taskRolePolicy",
          "egressRules",
          "deploymentAlarms",
          "listener",
          "productionListenerRule",
          "blueTargetGroup",
        ],
      ],
    ];
    for (const [name, service, keys] of shapes) {
      assert.deepEqual(Object.keys(service.prerequisites).sort(), [...keys].sort(), name);
      const dependsOn = new Set(f.dependencies.get(name));
      for (const key of keys) {
        const entry = service.prerequisites[key]!;
        const resources = ([] as pulumi.Resource[]).concat(entry);
        assert.ok(resources.length > 0, `${name}: ${key} is empty`);
        for (const resource of resources) {
          const urn = await resolve(resource.urn);
          assert.ok(
            urn.includes(`$${SERVICE_PREREQUISITES[key].type}::`) ||
              urn.includes(`::${SERVICE_PREREQUISITES[key].type}::`),
            `${name}: ${key} is a ${SERVICE_PREREQUISITES[key].type}`,
          );
          assert.ok(dependsOn.has(urn), `${name} does not wait for ${key} (${urn})`);
        }
      }
    }
  });

  it("runs in private subnets without public IPs, on FARGATE/FARGATE_SPOT 1:1 or FARGATE only", () => {
    const svc = named("aws:ecs/service:Service", "fastcart-service-sv1");
    assert.deepEqual(svc["networkConfiguration"], {
      subnets: ["priv-1", "priv-2"],
      securityGroups: ["sg-svc"],
      assignPublicIp: false,
    });
    assert.deepEqual(svc["capacityProviderStrategies"], [
      { capacityProvider: "FARGATE", weight: 1, base: 0 },
      { capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 },
    ]);
    const sv2 = named("aws:ecs/service:Service", "fastcart-service-sv2");
    assert.deepEqual(sv2["capacityProviderStrategies"], [
      { capacityProvider: "FARGATE", weight: 1, base: 0 },
    ]);
    assert.equal(sv2["desiredCount"], 2);
    assert.deepEqual(sv2["deploymentConfiguration"], { strategy: "ROLLING" });
    assert.deepEqual(sv2["loadBalancers"], []);
    assert.equal(sv2["healthCheckGracePeriodSeconds"], undefined);
  });

  it("rolling behind an ALB registers the api container without blue/green settings or infrastructure role", () => {
    const svc = named("aws:ecs/service:Service", "fastcart-service-sv3");
    assert.deepEqual(svc["loadBalancers"], [
      {
        targetGroupArn: f.harness.arnOf("aws:lb/targetGroup:TargetGroup", "sv3-tg-blue-edge"),
        containerName: "api",
        containerPort: 3000,
      },
    ]);
    assert.deepEqual(svc["deploymentConfiguration"], { strategy: "ROLLING" });
    assert.equal(f.rolling.infrastructureRole, undefined);
    assert.equal(
      f.harness.ofType("aws:iam/role:Role").filter((r) => r.name === "fastcart-ecs-infra-role-sv3").length,
      0,
    );
  });

  it("service egress: the database and Redis ports to their groups, HTTPS to AWS APIs, the API port to its own group without a load balancer, nothing else", () => {
    const rules = (suffix: string) =>
      f.harness
        .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        .filter((r) => r.name.endsWith(`-${suffix}`))
        .map((r) => [
          r.inputs["securityGroupId"],
          r.inputs["ipProtocol"],
          r.inputs["fromPort"],
          r.inputs["toPort"],
          r.inputs["referencedSecurityGroupId"] ?? r.inputs["cidrIpv4"],
        ])
        .sort();
    assert.deepEqual(rules("sv2"), [
      ["sg-svc", "tcp", 3000, 3000, "sg-svc"],
      ["sg-svc", "tcp", 443, 443, "0.0.0.0/0"],
      ["sg-svc", "tcp", 5432, 5432, "sg-db"],
      ["sg-svc", "tcp", 6379, 6379, "sg-redis"],
    ]);
    assert.deepEqual(rules("sv1"), [
      ["sg-svc", "tcp", 3306, 3306, "sg-db"],
      ["sg-svc", "tcp", 443, 443, "0.0.0.0/0"],
    ]);
  });

  it("autoscaling: target on DesiredCount, CPU and pending orders per task on the contract metric", () => {
    const target = named("aws:appautoscaling/target:Target", "fastcart-scaling-target-sv1");
    assert.deepEqual(
      [target["scalableDimension"], target["resourceId"], target["minCapacity"], target["maxCapacity"]],
      ["ecs:service:DesiredCount", "service/fastcart-cluster-sv1/fastcart-service-sv1", 2, 10],
    );
    const cpu = named("aws:appautoscaling/policy:Policy", "fastcart-cpu-scaling-sv1");
    assert.equal(cpu["targetTrackingScalingPolicyConfiguration"].targetValue, 70);
    const pending = named("aws:appautoscaling/policy:Policy", "fastcart-pending-orders-scaling-sv1")[
      "targetTrackingScalingPolicyConfiguration"
    ];
    assert.equal(pending.targetValue, 500);
    const metrics = Object.fromEntries(
      pending.customizedMetricSpecification.metrics.map((m: { id: string }) => [m.id, m]),
    );
    assert.deepEqual(metrics.pending.metricStat.metric, {
      namespace: PENDING_ORDERS_METRIC.namespace,
      metricName: PENDING_ORDERS_METRIC.name,
      dimensions: [{ name: PENDING_ORDERS_METRIC.dimension, value: "sv1" }],
    });
    assert.match(metrics.pendingPerTask.expression, /pending \/ IF\(tasks < 1, 1, tasks\)/);
    assert.equal(
      f.harness.ofType("aws:appautoscaling/target:Target").length,
      1,
      "no autoscaling without args",
    );
    assert.equal(f.pipeline.scalingTarget, undefined);
  });

  it("tags and parents every resource", () => {
    for (const suffix of ["sv1", "sv2", "sv3"]) {
      const created = createdWithSuffix(f.harness, suffix);
      assertParentedTo(f.harness, created, "fastcart:components:Service");
      const untaggable = ["RolePolicy", "RolePolicyAttachment", "ClusterCapacityProviders", "Policy"];
      for (const r of created.filter((r) => !untaggable.includes(r.type.split(":").at(-1)!))) {
        assertTagged(r, { environmentSuffix: suffix, stackName: "unit" });
      }
    }
  });
});
