/**
 * Stack fastcart-dev. Each test names the required feature it proves; FEATURES.md maps the same
 * features to these resources and settings.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SERVICE_ENV } from "@fastcart/service/contract";
import { PIPELINE_OUTPUTS } from "../src/program.js";
import { assertNoWildcardActions, assertTagged, statements } from "./support/assertions.js";
import { json, type MockHarness } from "./support/mocks.js";
import { runStack, type StackRun, UNTAGGABLE_TYPES } from "./support/stack.js";

describe("stack fastcart-dev", () => {
  let run: StackRun;
  let h: MockHarness;
  before(async () => {
    run = await runStack("fastcart-dev");
    h = run.harness;
  });
  const inputs = (type: string, name?: string) => h.one(type, name).inputs;
  const keyArn = () => h.arnOf("aws:kms/key:Key", "fastcart-kms-dev");
  const containers = () =>
    json(inputs("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-dev")["containerDefinitions"]);

  it("region eu-central-1; names fastcart-{resource}-dev; every taggable resource tagged", () => {
    assert.equal(run.config.region, "eu-central-1");
    assert.deepEqual(h.calls.find((c) => c.token.includes("getAvailabilityZones"))?.inputs, {
      state: "available",
    });
    const naming = { environmentSuffix: "dev", stackName: "fastcart-dev" };
    for (const r of h.resources) {
      assert.ok(
        r.name.startsWith("fastcart-") && r.name.endsWith("-dev"),
        `${r.type} ${r.name} follows the naming convention`,
      );
      if (!r.type.startsWith("fastcart:") && !UNTAGGABLE_TYPES.has(r.type)) assertTagged(r, naming);
      if (!r.type.startsWith("fastcart:"))
        assert.match(h.parentType(r) ?? "", /^fastcart:components:/, `${r.name} is in a component`);
    }
  });

  it("VPC 10.0.0.0/16, 2 public + 2 private subnets in 2 AZs, IGW, one NAT gateway, route tables", () => {
    assert.equal(inputs("aws:ec2/vpc:Vpc")["cidrBlock"], "10.0.0.0/16");
    const subnets = h.ofType("aws:ec2/subnet:Subnet");
    assert.deepEqual(subnets.map((s) => s.inputs["tags"].Tier).sort(), [
      "private",
      "private",
      "public",
      "public",
    ]);
    assert.deepEqual([...new Set(subnets.map((s) => s.inputs["availabilityZone"]))].sort(), [
      "eu-central-1a",
      "eu-central-1b",
    ]);
    assert.equal(h.ofType("aws:ec2/internetGateway:InternetGateway").length, 1);
    assert.equal(h.ofType("aws:ec2/natGateway:NatGateway").length, 1);
    assert.equal(h.ofType("aws:ec2/routeTable:RouteTable").length, 3);
    assert.equal(h.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 4);
  });

  it("Kinesis: 2 shards, KMS encryption with the CMK, 24 h retention, shard-level metrics", () => {
    const s = inputs("aws:kinesis/stream:Stream");
    assert.deepEqual(
      [s["shardCount"], s["encryptionType"], s["kmsKeyId"], s["retentionPeriod"]],
      [2, "KMS", keyArn(), 24],
    );
    assert.ok(s["shardLevelMetrics"].length >= 6);
  });

  it("ECS: Container Insights, one service of 2 tasks in private subnets, no public IPs, 512 CPU / 1024 MiB", () => {
    assert.deepEqual(inputs("aws:ecs/cluster:Cluster")["settings"], [
      { name: "containerInsights", value: "enabled" },
    ]);
    const svc = inputs("aws:ecs/service:Service");
    assert.equal(svc["desiredCount"], 2);
    assert.equal(svc["networkConfiguration"].assignPublicIp, false);
    assert.deepEqual(svc["networkConfiguration"].subnets, [
      h.idOf("aws:ec2/subnet:Subnet", "fastcart-private-subnet-1-dev"),
      h.idOf("aws:ec2/subnet:Subnet", "fastcart-private-subnet-2-dev"),
    ]);
    const td = inputs("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-dev");
    assert.deepEqual([td["cpu"], td["memory"]], ["512", "1024"]);
    assert.equal(h.ofType("aws:appautoscaling/target:Target").length, 0, "fastcart-dev runs a fixed 2 tasks");
    assert.equal(h.ofType("aws:lb/loadBalancer:LoadBalancer").length, 0, "fastcart-dev has no load balancer");
    // Rolling deployments roll back by themselves: circuit breaker, tasks below desired, stream lag.
    assert.deepEqual(svc["deploymentCircuitBreaker"], { enable: true, rollback: true });
    assert.deepEqual(svc["alarms"], {
      alarmNames: ["fastcart-deploy-tasks-below-desired-dev", "fastcart-deploy-stream-lag-dev"],
      enable: true,
      rollback: true,
    });
    const lag = inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "fastcart-deploy-stream-lag-dev");
    assert.deepEqual(
      [lag["dimensions"], lag["threshold"]],
      [{ StreamName: "fastcart-orders-stream-dev" }, 60000],
    );
  });

  it("container definitions: environment and secrets from the contract, stream mode, Redis over TLS", () => {
    const [api, worker] = containers();
    assert.deepEqual([api.command, worker.command], [["serve"], ["work"]]);
    const env = Object.fromEntries(
      api.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    assert.equal(env.INTAKE_MODE, "stream");
    assert.equal(env.KINESIS_STREAM_NAME, "fastcart-orders-stream-dev");
    assert.equal(env.AWS_REGION, "eu-central-1");
    assert.equal(env.DB_ENGINE, "postgres");
    assert.equal(env.DB_HOST, h.one("aws:rds/instance:Instance", "fastcart-rds-dev").state["address"]);
    assert.deepEqual([env.DB_PORT, env.DB_NAME, env.DB_TLS], ["5432", "fastcart", "true"]);
    assert.deepEqual(
      [env.REDIS_HOST?.startsWith("master.fastcart-redis-dev"), env.REDIS_PORT, env.REDIS_TLS],
      [true, "6379", "true"],
    );
    assert.deepEqual([env.FASTCART_ENVIRONMENT, env.METRICS_EMF, env.LOG_LEVEL], ["dev", "true", "info"]);
    assert.equal(env.DB_READER_HOST, undefined);
    const secrets = Object.fromEntries(
      api.secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]),
    );
    // IAM database authentication as the application user: no password, nothing from the master secret.
    assert.deepEqual([env.DB_AUTH, env.DB_USER], ["iam", "fastcart_app"]);
    assert.deepEqual(Object.keys(secrets).sort(), ["AUTH_JWT_SECRET", "REDIS_AUTH_TOKEN"]);
    const [migrate] = json(
      inputs("aws:ecs/taskDefinition:TaskDefinition", "fastcart-migrate-dev")["containerDefinitions"],
    );
    const migrateSecrets = Object.fromEntries(
      migrate.secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]),
    );
    assert.deepEqual(migrateSecrets, {
      DB_ADMIN_USER: `${run.outputs["db_secret_arn"]}:username::`,
      DB_ADMIN_PASSWORD: `${run.outputs["db_secret_arn"]}:password::`,
    });
    for (const name of [...Object.keys(env), ...Object.keys(secrets)])
      assert.ok(name in SERVICE_ENV, `${name} is a contract name`);
  });

  it("RDS PostgreSQL 15 (current minor) db.t3.micro, KMS, private, 7-day backups, log exports, single-AZ, destroyable", () => {
    const db = inputs("aws:rds/instance:Instance");
    assert.equal(db["engine"], "postgres");
    assert.equal(db["engineVersion"], "15.15");
    assert.equal(db["instanceClass"], "db.t3.micro");
    assert.deepEqual([db["storageEncrypted"], db["kmsKeyId"]], [true, keyArn()]);
    assert.equal(db["publiclyAccessible"], false);
    assert.equal(db["dbSubnetGroupName"], "fastcart-db-subnets-dev");
    assert.deepEqual(inputs("aws:rds/subnetGroup:SubnetGroup")["subnetIds"], [
      h.idOf("aws:ec2/subnet:Subnet", "fastcart-private-subnet-1-dev"),
      h.idOf("aws:ec2/subnet:Subnet", "fastcart-private-subnet-2-dev"),
    ]);
    assert.equal(db["backupRetentionPeriod"], 7);
    assert.deepEqual(db["enabledCloudwatchLogsExports"], ["postgresql", "upgrade"]);
    assert.deepEqual(
      [db["multiAz"], db["deletionProtection"], db["skipFinalSnapshot"]],
      [false, false, true],
    );
  });

  it("ElastiCache Redis 7, 2 nodes, at-rest (CMK) and in-transit encryption, auth token, Multi-AZ failover", () => {
    const rg = inputs("aws:elasticache/replicationGroup:ReplicationGroup");
    assert.deepEqual([rg["engine"], rg["engineVersion"], rg["numCacheClusters"]], ["redis", "7.1", 2]);
    assert.deepEqual(
      [rg["atRestEncryptionEnabled"], rg["kmsKeyId"], rg["transitEncryptionEnabled"]],
      [true, keyArn(), true],
    );
    assert.ok(rg["authToken"], "auth token set");
    assert.deepEqual([rg["automaticFailoverEnabled"], rg["multiAzEnabled"]], [true, true]);
    assert.deepEqual(rg["securityGroupIds"], [
      h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-redis-sg-dev"),
    ]);
  });

  it("DB credentials in Secrets Manager (RDS-managed, CMK) with 30-day automatic rotation", () => {
    const db = inputs("aws:rds/instance:Instance");
    assert.deepEqual([db["manageMasterUserPassword"], db["masterUserSecretKmsKeyId"]], [true, keyArn()]);
    const rotation = inputs("aws:secretsmanager/secretRotation:SecretRotation");
    assert.equal(rotation["secretId"], run.outputs["db_secret_arn"]);
    assert.deepEqual(rotation["rotationRules"], { automaticallyAfterDays: 30 });
    for (const s of h.ofType("aws:secretsmanager/secret:Secret"))
      assert.equal(s.inputs["kmsKeyId"], keyArn());
  });

  it("KMS: customer-managed key with rotation, alias, policy for Logs, Secrets Manager, RDS, ElastiCache, Kinesis, ECR", () => {
    const key = inputs("aws:kms/key:Key");
    assert.equal(key["enableKeyRotation"], true);
    assert.equal(inputs("aws:kms/alias:Alias")["name"], "alias/fastcart-kms-dev");
    const policy = JSON.stringify(statements(key["policy"]));
    for (const service of [
      "logs.eu-central-1",
      "secretsmanager.eu-central-1",
      "rds.eu-central-1",
      "elasticache.eu-central-1",
      "kinesis.eu-central-1",
      "ecr.eu-central-1",
    ]) {
      assert.ok(policy.includes(`${service}.amazonaws.com`), service);
    }
  });

  it("IAM: execution and task roles least-privilege, scoped to this stack's ARNs", () => {
    for (const p of h.ofType("aws:iam/rolePolicy:RolePolicy")) assertNoWildcardActions(p.inputs["policy"]);
    const exec = statements(
      inputs("aws:iam/rolePolicy:RolePolicy", "fastcart-task-execution-role-dev")["policy"],
    );
    const secretsRead = exec.find((s) => s.Sid === "ReadInjectedSecrets");
    assert.deepEqual(
      secretsRead.Resource.sort(),
      [
        h.arnOf("aws:secretsmanager/secret:Secret", "fastcart-jwt-secret-dev"),
        h.arnOf("aws:secretsmanager/secret:Secret", "fastcart-redis-auth-token-dev"),
      ].sort(),
    );
    const migrateExec = statements(
      inputs("aws:iam/rolePolicy:RolePolicy", "fastcart-migrate-execution-role-dev")["policy"],
    );
    assert.deepEqual(migrateExec.find((s) => s.Sid === "ReadInjectedSecrets").Resource, [
      run.outputs["db_secret_arn"],
    ]);
    const task = Object.fromEntries(
      statements(inputs("aws:iam/rolePolicy:RolePolicy", "fastcart-task-role-dev")["policy"]).map((s) => [
        s.Sid,
        s,
      ]),
    );
    const resourceId = h.one("aws:rds/instance:Instance", "fastcart-rds-dev").state["resourceId"];
    assert.deepEqual(task.ConnectAsApplicationUser.Resource, [
      `arn:aws:rds-db:eu-central-1:123456789012:dbuser:${resourceId}/fastcart_app`,
    ]);
    assert.deepEqual(task.OrderStream.Resource, [run.outputs["kinesis_stream_arn"]]);
    assert.deepEqual(task.OrderStreamEncryption.Resource, [keyArn()]);
  });

  it("security groups: service HTTP from the VPC, PostgreSQL and Redis only from the service", () => {
    const sg = (name: string) => inputs("aws:ec2/securityGroup:SecurityGroup", name);
    assert.deepEqual(sg("fastcart-service-sg-dev")["ingress"][0].cidrBlocks, ["10.0.0.0/16"]);
    assert.deepEqual(
      sg("fastcart-db-sg-dev")["ingress"].map((r: { fromPort: number; securityGroups: string[] }) => [
        r.fromPort,
        r.securityGroups,
      ]),
      [[5432, [h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-dev")]]],
    );
    assert.deepEqual(
      sg("fastcart-redis-sg-dev")["ingress"].map((r: { fromPort: number; securityGroups: string[] }) => [
        r.fromPort,
        r.securityGroups,
      ]),
      [[6379, [h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-dev")]]],
    );
    // The tasks' egress is the Service component's separate rules (3000 to itself, 5432, 6379, 443), never inline all-open.
    assert.equal(sg("fastcart-service-sg-dev")["egress"], undefined);
    assert.deepEqual(
      h
        .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        .map((r) => [r.inputs["fromPort"], r.inputs["referencedSecurityGroupId"] ?? r.inputs["cidrIpv4"]])
        .sort(),
      [
        // The API port to the service's own group: the in-VPC smoke task of `npm run verify -- --smoke`.
        [3000, h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-dev")],
        [443, "0.0.0.0/0"],
        [5432, h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-db-sg-dev")],
        [6379, h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-redis-sg-dev")],
      ],
    );
    for (const group of h.ofType("aws:ec2/securityGroup:SecurityGroup")) {
      for (const rule of group.inputs["ingress"])
        assert.ok(!(rule.cidrBlocks ?? []).includes("0.0.0.0/0"), `${group.name} is closed to the internet`);
    }
  });

  it("ECR: scan on push, KMS encryption, mutable tags; tasks run the pushed tag's digest", () => {
    const repo = inputs("aws:ecr/repository:Repository");
    assert.deepEqual(repo["imageScanningConfiguration"], { scanOnPush: true });
    assert.deepEqual(repo["encryptionConfigurations"], [{ encryptionType: "KMS", kmsKey: keyArn() }]);
    assert.equal(repo["imageTagMutability"], "MUTABLE");
    assert.match(
      containers()[0].image,
      /^123456789012\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/fastcart-ecr-dev@sha256:[0-9a-f]{64}$/,
    );
  });

  it("CloudWatch: log groups with 7-day retention and the CMK; alarms on iterator age and RDS CPU", () => {
    // The flow log group keeps its own (security) retention, flowLogsRetentionDays.
    const flowLogs = h.one("aws:cloudwatch/logGroup:LogGroup", "fastcart-flow-logs-dev").inputs;
    assert.deepEqual([flowLogs["retentionInDays"], flowLogs["kmsKeyId"]], [90, keyArn()]);
    for (const lg of h
      .ofType("aws:cloudwatch/logGroup:LogGroup")
      .filter((g) => g !== h.one("aws:cloudwatch/logGroup:LogGroup", "fastcart-flow-logs-dev"))) {
      assert.deepEqual(
        [lg.inputs["retentionInDays"], lg.inputs["kmsKeyId"]],
        [7, keyArn()],
        lg.inputs["name"],
      );
    }
    const alarms = h.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs["metricName"]);
    assert.ok(alarms.includes("GetRecords.IteratorAgeMilliseconds"));
    assert.ok(alarms.includes("CPUUtilization"));
  });

  it("exports exactly the 16 required outputs, with those names", () => {
    assert.deepEqual(Object.keys(run.outputs).sort(), [...PIPELINE_OUTPUTS].sort());
    assert.equal(PIPELINE_OUTPUTS.length, 16);
    assert.equal(run.outputs["redis_port"], 6379);
    assert.equal(run.outputs["rds_instance_id"], "fastcart-rds-dev");
    assert.equal(run.outputs["log_group_name"], "/ecs/fastcart-orders-dev");
    assert.equal(run.outputs["ecs_service_name"], "fastcart-service-dev");
    assert.equal(run.outputs["kms_key_arn"], keyArn());
    assert.deepEqual((run.outputs["public_subnet_ids"] as string[]).length, 2);
  });
  it("stays destroyable: no deletion protection, no final snapshot (explicit in the stack file)", () => {
    const db = inputs("aws:rds/instance:Instance");
    assert.deepEqual(
      [db["deletionProtection"], db["skipFinalSnapshot"], db["finalSnapshotIdentifier"]],
      [false, true, undefined],
    );
    assert.equal(db["iamDatabaseAuthenticationEnabled"], true);
  });

  it("VPC flow logs, the quarantined-records alarm and a dashboard like the prod stack's", () => {
    const flowLog = inputs("aws:ec2/flowLog:FlowLog");
    assert.equal(
      flowLog["logDestination"],
      h.arnOf("aws:cloudwatch/logGroup:LogGroup", "fastcart-flow-logs-dev"),
    );
    const quarantined = inputs(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "fastcart-quarantined-records-alarm-dev",
    );
    assert.deepEqual(
      [
        quarantined["namespace"],
        quarantined["metricName"],
        quarantined["dimensions"],
        quarantined["threshold"],
      ],
      ["FastCart/Orders", "QuarantinedRecords", { Environment: "dev" }, 0],
    );
    const dashboard = inputs("aws:cloudwatch/dashboard:Dashboard");
    assert.equal(dashboard["dashboardName"], "fastcart-dashboard-dev");
    const titles = JSON.parse(dashboard["dashboardBody"]).widgets.map(
      (w: { properties: { title: string } }) => w.properties.title,
    );
    assert.deepEqual(titles, [
      "ECS service CPU and memory",
      "Pending orders and running tasks",
      "Database CPU and connections",
      "Quarantined records",
      "Order stream throughput and iterator age",
      "Redis engine CPU, memory and connections",
    ]);
  });
});
