import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { PENDING_ORDERS_METRIC, QUARANTINED_RECORDS_METRIC } from "@fastcart/service/contract";
import { Monitoring } from "../../src/components/monitoring.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { installMocks, json, type MockHarness, resolve } from "../support/mocks.js";

const keyArn = "arn:aws:kms:eu-central-1:123456789012:key/k";
const pipeline = { environmentSuffix: "mp", stackName: "unit" };
const api = { environmentSuffix: "ma", stackName: "unit" };

describe("Monitoring", () => {
  let harness: MockHarness;
  let apiMonitoring: Monitoring;
  before(async () => {
    harness = await installMocks("eu-central-1");
    new Monitoring("fastcart-monitoring-mp", {
      naming: pipeline,
      region: "eu-central-1",
      kmsKeyArn: keyArn,
      alarmEmail: "ops@example.com",
      clusterName: "fastcart-cluster-mp",
      serviceName: "fastcart-service-mp",
      database: { dimension: "DBInstanceIdentifier", identifier: "fastcart-rds-mp" },
      streamName: "fastcart-orders-stream-mp",
      cacheClusterIds: ["fastcart-redis-mp-001", "fastcart-redis-mp-002"],
      quarantineAlarmPeriodSeconds: 60,
      thresholds: {},
    });
    apiMonitoring = new Monitoring("fastcart-monitoring-ma", {
      naming: api,
      region: "us-east-1",
      kmsKeyArn: keyArn,
      clusterName: "fastcart-cluster-ma",
      serviceName: "fastcart-service-ma",
      database: { dimension: "DBClusterIdentifier", identifier: "fastcart-aurora-ma" },
      loadBalancerArnSuffix: "app/fastcart-alb-ma/abc",
      thresholds: { http5xxRatePercent: 2, dbConnections: 800, dbCpuPercent: 75 },
    });
    await resolve(apiMonitoring.dashboardUrl);
    await harness.settle();
  });
  const alarm = (name: string) => harness.one("aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
  const alarmsOf = (suffix: string) =>
    harness
      .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
      .filter((a) => a.name.endsWith(`-${suffix}`))
      .map((a) => a.name)
      .sort();

  it("alarms on Kinesis iterator age and database CPU (seed 000), to a KMS-encrypted topic", () => {
    assert.deepEqual(alarmsOf("mp"), [
      "fastcart-db-connections-alarm-mp",
      "fastcart-db-cpu-alarm-mp",
      "fastcart-kinesis-iterator-age-alarm-mp",
      "fastcart-quarantined-records-alarm-mp",
    ]);
    const age = alarm("fastcart-kinesis-iterator-age-alarm-mp");
    assert.deepEqual(
      [
        age["namespace"],
        age["metricName"],
        age["dimensions"],
        age["statistic"],
        age["threshold"],
        age["comparisonOperator"],
      ],
      [
        "AWS/Kinesis",
        "GetRecords.IteratorAgeMilliseconds",
        { StreamName: "fastcart-orders-stream-mp" },
        "Maximum",
        60000,
        "GreaterThanThreshold",
      ],
    );
    const cpu = alarm("fastcart-db-cpu-alarm-mp");
    assert.deepEqual(
      [cpu["namespace"], cpu["metricName"], cpu["dimensions"], cpu["threshold"]],
      ["AWS/RDS", "CPUUtilization", { DBInstanceIdentifier: "fastcart-rds-mp" }, 80],
    );
    assert.deepEqual(cpu["alarmActions"], ["arn:aws:sns:eu-central-1:123456789012:fastcart-alarms-mp"]);
    const topic = harness.one("aws:sns/topic:Topic", "fastcart-alarms-mp").inputs;
    assert.equal(topic["kmsMasterKeyId"], keyArn);
    const subscription = harness.one("aws:sns/topicSubscription:TopicSubscription").inputs;
    assert.deepEqual([subscription["protocol"], subscription["endpoint"]], ["email", "ops@example.com"]);
  });

  it("alarms on the ALB 5xx rate as metric math and on database connections (seed 002)", () => {
    assert.deepEqual(alarmsOf("ma"), [
      "fastcart-db-connections-alarm-ma",
      "fastcart-db-cpu-alarm-ma",
      "fastcart-http-5xx-rate-alarm-ma",
      "fastcart-quarantined-records-alarm-ma",
    ]);
    const rate = alarm("fastcart-http-5xx-rate-alarm-ma");
    assert.equal(rate["threshold"], 2);
    const queries = Object.fromEntries(rate["metricQueries"].map((q: { id: string }) => [q.id, q]));
    assert.equal(queries.errors.metric.metricName, "HTTPCode_Target_5XX_Count");
    assert.equal(queries.requests.metric.metricName, "RequestCount");
    assert.deepEqual(queries.errors.metric.dimensions, { LoadBalancer: "app/fastcart-alb-ma/abc" });
    assert.equal(queries.rate.expression, "IF(requests > 0, 100 * errors / requests, 0)");
    assert.equal(queries.rate.returnData, true);
    const connections = alarm("fastcart-db-connections-alarm-ma");
    assert.deepEqual(
      [connections["metricName"], connections["dimensions"], connections["threshold"]],
      ["DatabaseConnections", { DBClusterIdentifier: "fastcart-aurora-ma" }, 800],
    );
    assert.equal(alarm("fastcart-db-cpu-alarm-ma")["threshold"], 75);
    assert.equal(
      harness.ofType("aws:sns/topicSubscription:TopicSubscription").length,
      1,
      "no email, no subscription",
    );
  });

  it("dashboard: ECS, ALB, RDS and the custom PendingOrders metric", async () => {
    const body = json(
      harness.one("aws:cloudwatch/dashboard:Dashboard", "fastcart-dashboard-ma").inputs["dashboardBody"],
    );
    const namespaces = new Set(
      body.widgets.flatMap((w: { properties: { metrics: string[][] } }) =>
        w.properties.metrics.map((m) => m[0]),
      ),
    );
    for (const ns of ["AWS/ECS", "AWS/ApplicationELB", "AWS/RDS", PENDING_ORDERS_METRIC.namespace])
      assert.ok(namespaces.has(ns), ns);
    assert.ok(!namespaces.has("AWS/Kinesis"), "no stream widget without a stream");
    const pending = body.widgets
      .flatMap((w: { properties: { metrics: unknown[][] } }) => w.properties.metrics)
      .find((m: unknown[]) => m[1] === PENDING_ORDERS_METRIC.name);
    assert.deepEqual(pending.slice(0, 4), [
      PENDING_ORDERS_METRIC.namespace,
      PENDING_ORDERS_METRIC.name,
      PENDING_ORDERS_METRIC.dimension,
      "ma",
    ]);
    const pipelineBody = json(
      harness.one("aws:cloudwatch/dashboard:Dashboard", "fastcart-dashboard-mp").inputs["dashboardBody"],
    );
    assert.ok(JSON.stringify(pipelineBody).includes("AWS/Kinesis"));
    assert.equal(
      await resolve(apiMonitoring.dashboardUrl),
      "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=fastcart-dashboard-ma",
    );
  });

  it("tags and parents every resource", () => {
    for (const naming of [pipeline, api]) {
      const created = createdWithSuffix(harness, naming.environmentSuffix);
      assertParentedTo(harness, created, "fastcart:components:Monitoring");
      for (const r of created.filter((r) => ["Topic", "MetricAlarm"].includes(r.type.split(":").at(-1)!)))
        assertTagged(r, naming);
    }
  });
  it("alarms to the topic as soon as one record is quarantined in a period (both profiles)", () => {
    for (const [suffix, period] of [
      ["mp", 60],
      ["ma", 300],
    ] as const) {
      const quarantined = alarm(`fastcart-quarantined-records-alarm-${suffix}`);
      assert.deepEqual(
        [
          quarantined["namespace"],
          quarantined["metricName"],
          quarantined["dimensions"],
          quarantined["statistic"],
          quarantined["period"],
          quarantined["evaluationPeriods"],
          quarantined["threshold"],
          quarantined["comparisonOperator"],
          quarantined["treatMissingData"],
        ],
        [
          QUARANTINED_RECORDS_METRIC.namespace,
          QUARANTINED_RECORDS_METRIC.name,
          { [QUARANTINED_RECORDS_METRIC.dimension]: suffix },
          "Sum",
          period,
          1,
          0,
          "GreaterThanThreshold",
          "notBreaching",
        ],
      );
      assert.deepEqual(quarantined["alarmActions"], [
        harness.arnOf("aws:sns/topic:Topic", `fastcart-alarms-${suffix}`),
      ]);
    }
  });

  it("the pipeline dashboard: stream, ECS, RDS, Redis per node, pending orders and quarantined records", () => {
    const body = json(
      harness.one("aws:cloudwatch/dashboard:Dashboard", "fastcart-dashboard-mp").inputs["dashboardBody"],
    );
    const metrics = body.widgets.flatMap((w: { properties: { metrics: unknown[][] } }) =>
      w.properties.metrics.map((m) => m.slice(0, 2).join(" ")),
    );
    for (const expected of [
      "AWS/Kinesis IncomingRecords",
      "AWS/Kinesis GetRecords.IteratorAgeMilliseconds",
      "AWS/ECS CPUUtilization",
      "AWS/ECS MemoryUtilization",
      "AWS/RDS CPUUtilization",
      "AWS/RDS DatabaseConnections",
      "AWS/ElastiCache EngineCPUUtilization",
      "AWS/ElastiCache CurrConnections",
      `${PENDING_ORDERS_METRIC.namespace} ${PENDING_ORDERS_METRIC.name}`,
      `${QUARANTINED_RECORDS_METRIC.namespace} ${QUARANTINED_RECORDS_METRIC.name}`,
    ])
      assert.ok(metrics.includes(expected), `dashboard shows ${expected}`);
    const redis = body.widgets.find((w: { properties: { title: string } }) =>
      w.properties.title.startsWith("Redis"),
    );
    assert.deepEqual(
      [...new Set(redis.properties.metrics.map((m: unknown[]) => m[3]))],
      ["fastcart-redis-mp-001", "fastcart-redis-mp-002"],
    );
    const positions = body.widgets.map((w: { x: number; y: number }) => `${w.x},${w.y}`);
    assert.equal(new Set(positions).size, positions.length, "no two widgets overlap");
  });
});
