import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { PENDING_ORDERS_METRIC } from "@fastcart/service/contract";
import { ECS_LOAD_BALANCER_INFRA_POLICY, KINESIS_ACTIONS, Service } from "../../src/components/service.js";
import {
  assertNoWildcardActions,
  assertParentedTo,
  assertTagged,
  createdWithSuffix,
  statements,
} from "../support/assertions.js";
import { installMocks, json, MOCK_ACCOUNT_ID, type MockHarness, resolve } from "../support/mocks.js";

const region = "us-east-1";
const keyArn = `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/k`;
const streamArn = `arn:aws:kinesis:${region}:${MOCK_ACCOUNT_ID}:stream/orders`;
const repoArn = `arn:aws:ecr:${region}:${MOCK_ACCOUNT_ID}:repository/fastcart-ecr-x`;
const dbSecret = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:rds!db-x`;
const jwtSecret = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:jwt`;

function args(suffix: string) {
  return {
    naming: { environmentSuffix: suffix, stackName: "unit" },
    region,
    accountId: MOCK_ACCOUNT_ID,
    privateSubnetIds: ["priv-1", "priv-2"],
    securityGroupId: "sg-svc",
    imageRepository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/fastcart-ecr-x",
    imageTag: "v42",
    ecrRepositoryArn: repoArn,
    environment: { FASTCART_ENVIRONMENT: suffix, DB_HOST: "db.internal" },
    secrets: { DB_PASSWORD: `${dbSecret}:password::`, AUTH_JWT_SECRET: jwtSecret },
    secretArns: [dbSecret, jwtSecret],
    kmsKeyArn: keyArn,
  };
}

describe("Service", () => {
  let harness: MockHarness;
  let blueGreen: Service;
  before(async () => {
    harness = await installMocks(region);
    // Seed 002 shape: blue/green behind the ALB, Spot 50/50, autoscaling, app config in SSM.
    blueGreen = new Service("fastcart-service-sv1", {
      ...args("sv1"),
      taskCpu: 1024,
      taskMemory: 2048,
      fargateWeight: 1,
      fargateSpotWeight: 1,
      containerInsights: "enhanced",
      streamArn,
      ssmAppConfig: { LOG_LEVEL: "warn", WORKER_BATCH_SIZE: "250" },
      loadBalancing: {
        blueTargetGroupArn: "tg-blue",
        greenTargetGroupArn: "tg-green",
        productionListenerRuleArn: "rule-prod",
        bakeTimeMinutes: 10,
      },
      autoscaling: { minCapacity: 2, maxCapacity: 10, cpuTargetPercent: 70, pendingOrdersPerTask: 500 },
    });
    // Seed 000 shape: no load balancer, fixed 2 tasks, on-demand Fargate only.
    new Service("fastcart-service-sv2", args("sv2"));
    // Rolling behind an ALB.
    new Service("fastcart-service-sv3", {
      ...args("sv3"),
      loadBalancing: { blueTargetGroupArn: "tg-blue-3", productionListenerRuleArn: "rule-3" },
    });
    await resolve(blueGreen.service.arn);
    await harness.settle();
  });
  const named = (type: string, name: string) => harness.one(type, name).inputs;
  const containers = (family: string) =>
    json(named("aws:ecs/taskDefinition:TaskDefinition", family)["containerDefinitions"]);

  it("cluster: Container Insights, FARGATE and FARGATE_SPOT providers", () => {
    assert.deepEqual(named("aws:ecs/cluster:Cluster", "fastcart-cluster-sv1")["settings"], [
      { name: "containerInsights", value: "enhanced" },
    ]);
    assert.deepEqual(named("aws:ecs/cluster:Cluster", "fastcart-cluster-sv2")["settings"], [
      { name: "containerInsights", value: "enabled" },
    ]);
    const providers = named(
      "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
      "fastcart-cluster-sv1",
    );
    assert.deepEqual(providers["capacityProviders"], ["FARGATE", "FARGATE_SPOT"]);
    assert.equal(providers["clusterName"], "fastcart-cluster-sv1");
  });

  it("task definition: Fargate awsvpc, api (serve) + worker (work) from the ECR image and tag", () => {
    const td = named("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-sv1");
    assert.deepEqual(
      [td["cpu"], td["memory"], td["networkMode"], td["requiresCompatibilities"]],
      ["1024", "2048", "awsvpc", ["FARGATE"]],
    );
    assert.match(td["executionRoleArn"], /role\/fastcart-task-execution-role-sv1$/);
    assert.match(td["taskRoleArn"], /role\/fastcart-task-role-sv1$/);
    const [api, worker] = containers("fastcart-orders-sv1");
    assert.deepEqual([api.name, api.command, api.essential], ["api", ["serve"], true]);
    assert.deepEqual([worker.name, worker.command, worker.essential], ["worker", ["work"], true]);
    assert.equal(api.image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/fastcart-ecr-x:v42");
    assert.equal(api.logConfiguration.options["awslogs-group"], "/ecs/fastcart-orders-sv1");
    const sv2 = named("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-sv2");
    assert.deepEqual([sv2["cpu"], sv2["memory"]], ["512", "1024"]);
  });

  it("a separate migrate task definition runs `fastcart migrate` with the same database settings", () => {
    const [migrate] = containers("fastcart-migrate-sv1");
    assert.deepEqual(migrate.command, ["migrate"]);
    assert.deepEqual(
      migrate.environment.map((e: { name: string }) => e.name),
      ["DB_HOST", "FASTCART_ENVIRONMENT"],
    );
    assert.ok(migrate.secrets.some((s: { name: string }) => s.name === "DB_PASSWORD"));
  });

  it("app config in SSM Parameter Store reaches the containers through `secrets` valueFrom", () => {
    const params = harness.ofType("aws:ssm/parameter:Parameter").filter((p) => p.name.endsWith("-sv1"));
    assert.deepEqual(
      params.map((p) => [p.inputs["name"], p.inputs["type"], p.inputs["insecureValue"]]).sort(),
      [
        ["/fastcart/sv1/LOG_LEVEL", "String", "warn"],
        ["/fastcart/sv1/WORKER_BATCH_SIZE", "String", "250"],
      ],
    );
    const [api] = containers("fastcart-orders-sv1");
    const secrets = Object.fromEntries(
      api.secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]),
    );
    assert.equal(
      secrets.LOG_LEVEL,
      `arn:aws:ssm:${region}:${MOCK_ACCOUNT_ID}:parameter/fastcart/sv1/LOG_LEVEL`,
    );
    assert.equal(secrets.DB_PASSWORD, `${dbSecret}:password::`);
    assert.equal(
      api.environment.find((e: { name: string }) => e.name === "LOG_LEVEL"),
      undefined,
    );
  });

  it("log group: /ecs/fastcart-orders-<suffix>, 7-day retention, encrypted with the stack key", () => {
    const lg = named("aws:cloudwatch/logGroup:LogGroup", "fastcart-logs-sv1");
    assert.deepEqual(
      [lg["name"], lg["retentionInDays"], lg["kmsKeyId"]],
      ["/ecs/fastcart-orders-sv1", 7, keyArn],
    );
  });

  it("execution role: ECR pull, its log group, exactly the injected secrets and parameters, KMS via Secrets Manager", () => {
    const trust = statements(
      named("aws:iam/role:Role", "fastcart-task-execution-role-sv1")["assumeRolePolicy"],
    );
    assert.deepEqual(trust[0].Principal, { Service: "ecs-tasks.amazonaws.com" });
    assert.deepEqual(trust[0].Condition, { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } });
    const policy = named("aws:iam/rolePolicy:RolePolicy", "fastcart-task-execution-role-sv1")["policy"];
    assertNoWildcardActions(policy);
    const bySid = Object.fromEntries(statements(policy).map((s) => [s.Sid, s]));
    assert.deepEqual(bySid.EcrAuth, {
      Sid: "EcrAuth",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: "*",
    });
    assert.deepEqual(bySid.EcrPull.Resource, [repoArn]);
    assert.deepEqual(bySid.WriteLogs.Resource, [
      `arn:aws:logs:${region}:${MOCK_ACCOUNT_ID}:log-group:/ecs/fastcart-orders-sv1:log-stream:*`,
    ]);
    assert.deepEqual(bySid.ReadInjectedSecrets.Resource, [dbSecret, jwtSecret]);
    assert.deepEqual(bySid.DecryptInjectedSecrets.Resource, [keyArn]);
    assert.equal(
      bySid.DecryptInjectedSecrets.Condition.StringEquals["kms:ViaService"],
      `secretsmanager.${region}.amazonaws.com`,
    );
    assert.deepEqual(bySid.ReadAppConfigParameters.Action, ["ssm:GetParameters"]);
    assert.equal(bySid.ReadAppConfigParameters.Resource.length, 2);
    const wildcards = statements(policy).filter(
      (s) => s.Resource === "*" || [].concat(s.Resource).includes("*" as never),
    );
    assert.deepEqual(
      wildcards.map((s) => s.Sid),
      ["EcrAuth"],
      "* resources only where AWS requires it",
    );
    const sv2 = Object.fromEntries(
      statements(named("aws:iam/rolePolicy:RolePolicy", "fastcart-task-execution-role-sv2")["policy"]).map(
        (s) => [s.Sid, s],
      ),
    );
    assert.equal(sv2.ReadAppConfigParameters, undefined);
  });

  it("task role: the stream's actions on its ARN only, and the key via Kinesis; no policy without a stream", () => {
    const policy = named("aws:iam/rolePolicy:RolePolicy", "fastcart-task-role-sv1")["policy"];
    assertNoWildcardActions(policy);
    const [stream, kms] = statements(policy);
    assert.deepEqual(stream.Action, [...KINESIS_ACTIONS]);
    assert.deepEqual(stream.Resource, [streamArn]);
    assert.deepEqual(kms.Action, ["kms:GenerateDataKey", "kms:Decrypt"]);
    assert.equal(kms.Condition.StringEquals["kms:ViaService"], `kinesis.${region}.amazonaws.com`);
    assert.equal(
      harness.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name === "fastcart-task-role-sv2")
        .length,
      0,
    );
  });

  it("blue/green: ECS native BLUE_GREEN with the alternate group, production rule and the ECS infrastructure role", () => {
    const svc = named("aws:ecs/service:Service", "fastcart-service-sv1");
    assert.deepEqual(svc["deploymentConfiguration"], { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" });
    const [lb] = svc["loadBalancers"];
    assert.deepEqual([lb.targetGroupArn, lb.containerName, lb.containerPort], ["tg-blue", "api", 3000]);
    assert.deepEqual(lb.advancedConfiguration, {
      alternateTargetGroupArn: "tg-green",
      productionListenerRule: "rule-prod",
      roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/fastcart-ecs-infra-role-sv1`,
    });
    const trust = statements(named("aws:iam/role:Role", "fastcart-ecs-infra-role-sv1")["assumeRolePolicy"]);
    assert.deepEqual(trust[0].Principal, { Service: "ecs.amazonaws.com" });
    assert.equal(
      named("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "fastcart-ecs-infra-role-sv1")["policyArn"],
      ECS_LOAD_BALANCER_INFRA_POLICY,
    );
    assert.equal(svc["healthCheckGracePeriodSeconds"], 60);
    assert.equal(
      svc["deploymentCircuitBreaker"],
      undefined,
      "the circuit breaker is for rolling deployments only",
    );
  });

  it("runs in private subnets without public IPs, on FARGATE/FARGATE_SPOT 1:1 (seed 002) or FARGATE only", () => {
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
    assert.equal(svc["launchType"], undefined);
    const sv2 = named("aws:ecs/service:Service", "fastcart-service-sv2");
    assert.deepEqual(sv2["capacityProviderStrategies"], [
      { capacityProvider: "FARGATE", weight: 1, base: 0 },
    ]);
    assert.equal(sv2["desiredCount"], 2);
    assert.deepEqual(sv2["deploymentConfiguration"], { strategy: "ROLLING" });
    assert.deepEqual(sv2["loadBalancers"], []);
    assert.deepEqual(sv2["deploymentCircuitBreaker"], { enable: true, rollback: true });
  });

  it("rolling behind an ALB registers the api container without blue/green settings", () => {
    const svc = named("aws:ecs/service:Service", "fastcart-service-sv3");
    assert.deepEqual(svc["loadBalancers"], [
      { targetGroupArn: "tg-blue-3", containerName: "api", containerPort: 3000 },
    ]);
    assert.deepEqual(svc["deploymentConfiguration"], { strategy: "ROLLING" });
    assert.equal(
      harness.ofType("aws:iam/role:Role").filter((r) => r.name === "fastcart-ecs-infra-role-sv3").length,
      0,
    );
  });

  it("autoscaling: target on DesiredCount, CPU 70% and pending orders per task on the contract metric", () => {
    const target = named("aws:appautoscaling/target:Target", "fastcart-scaling-target-sv1");
    assert.deepEqual(
      [
        target["serviceNamespace"],
        target["scalableDimension"],
        target["resourceId"],
        target["minCapacity"],
        target["maxCapacity"],
      ],
      ["ecs", "ecs:service:DesiredCount", "service/fastcart-cluster-sv1/fastcart-service-sv1", 2, 10],
    );
    const cpu = named("aws:appautoscaling/policy:Policy", "fastcart-cpu-scaling-sv1");
    assert.equal(cpu["policyType"], "TargetTrackingScaling");
    assert.deepEqual(cpu["targetTrackingScalingPolicyConfiguration"].predefinedMetricSpecification, {
      predefinedMetricType: "ECSServiceAverageCPUUtilization",
    });
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
    assert.equal(metrics.tasks.metricStat.metric.metricName, "RunningTaskCount");
    assert.equal(metrics.pendingPerTask.returnData, true);
    assert.match(metrics.pendingPerTask.expression, /pending \/ IF\(tasks < 1, 1, tasks\)/);
    assert.equal(harness.ofType("aws:appautoscaling/target:Target").length, 1, "no autoscaling without args");
  });

  it("tags and parents every resource", () => {
    for (const suffix of ["sv1", "sv2", "sv3"]) {
      const created = createdWithSuffix(harness, suffix);
      assertParentedTo(harness, created, "fastcart:components:Service");
      const untaggable = ["RolePolicy", "RolePolicyAttachment", "ClusterCapacityProviders", "Policy"];
      for (const r of created.filter((r) => !untaggable.includes(r.type.split(":").at(-1)!))) {
        assertTagged(r, { environmentSuffix: suffix, stackName: "unit" });
      }
    }
  });
});
