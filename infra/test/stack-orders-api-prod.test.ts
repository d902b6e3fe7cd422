/**
 * Stack orders-api-prod = seed 002. Each test names the seed feature it proves; FEATURES.md maps the
 * same features to these resources and settings.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { PENDING_ORDERS_METRIC, READY_PATH, SERVICE_ENV } from "@fastcart/service/contract";
import { API_OUTPUTS } from "../src/program.js";
import { assertNoWildcardActions, assertTagged, statements } from "./support/assertions.js";
import { json, type MockHarness } from "./support/mocks.js";
import { runStack, type StackRun, UNTAGGABLE_TYPES } from "./support/stack.js";

describe("stack orders-api-prod (seed 002)", () => {
  let run: StackRun;
  let h: MockHarness;
  before(async () => {
    run = await runStack("orders-api-prod");
    h = run.harness;
  });
  const inputs = (type: string, name?: string) => h.one(type, name).inputs;
  const keyArn = () => h.arnOf("aws:kms/key:Key", "fastcart-kms-prod");
  const containers = () =>
    json(inputs("aws:ecs/taskDefinition:TaskDefinition", "fastcart-orders-prod")["containerDefinitions"]);

  it("us-east-1; names fastcart-{resource}-prod; every taggable resource tagged and inside a component", () => {
    assert.equal(run.config.region, "us-east-1");
    const naming = { environmentSuffix: "prod", stackName: "orders-api-prod" };
    for (const r of h.resources) {
      assert.ok(r.name.startsWith("fastcart-") && r.name.endsWith("-prod"), `${r.type} ${r.name}`);
      if (!r.type.startsWith("fastcart:") && !UNTAGGABLE_TYPES.has(r.type)) assertTagged(r, naming);
      if (!r.type.startsWith("fastcart:")) assert.match(h.parentType(r) ?? "", /^fastcart:components:/);
    }
  });

  it("3 AZs with public and private subnets and a NAT gateway per AZ", () => {
    const subnets = h.ofType("aws:ec2/subnet:Subnet");
    assert.equal(subnets.length, 6);
    assert.deepEqual([...new Set(subnets.map((s) => s.inputs["availabilityZone"]))].sort(), [
      "us-east-1a",
      "us-east-1b",
      "us-east-1c",
    ]);
    assert.equal(h.ofType("aws:ec2/natGateway:NatGateway").length, 3);
    const natOfRoute = h
      .ofType("aws:ec2/routeTable:RouteTable")
      .filter((r) => r.name.startsWith("fastcart-private-rt-"))
      .map((r) => r.inputs["routes"][0].natGatewayId);
    assert.equal(new Set(natOfRoute).size, 3, "each private subnet routes through its own AZ's NAT");
  });

  it("ECS Fargate with Container Insights; FARGATE / FARGATE_SPOT weighted 50/50", () => {
    assert.deepEqual(inputs("aws:ecs/cluster:Cluster")["settings"], [
      { name: "containerInsights", value: "enabled" },
    ]);
    const strategies = inputs("aws:ecs/service:Service")["capacityProviderStrategies"];
    assert.deepEqual(
      strategies.map((s: { capacityProvider: string; weight: number }) => [s.capacityProvider, s.weight]),
      [
        ["FARGATE", 1],
        ["FARGATE_SPOT", 1],
      ],
    );
    assert.deepEqual(
      inputs("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")[
        "defaultCapacityProviderStrategies"
      ],
      strategies,
    );
  });

  it("auto scaling on CPU 70% and on the service's pending-orders metric", () => {
    const policies = Object.fromEntries(
      h
        .ofType("aws:appautoscaling/policy:Policy")
        .map((p) => [p.name, p.inputs["targetTrackingScalingPolicyConfiguration"]]),
    );
    assert.equal(
      policies["fastcart-cpu-scaling-prod"].predefinedMetricSpecification.predefinedMetricType,
      "ECSServiceAverageCPUUtilization",
    );
    assert.equal(policies["fastcart-cpu-scaling-prod"].targetValue, 70);
    const pending =
      policies["fastcart-pending-orders-scaling-prod"].customizedMetricSpecification.metrics[0].metricStat
        .metric;
    assert.deepEqual(
      [pending.namespace, pending.metricName, pending.dimensions],
      [PENDING_ORDERS_METRIC.namespace, PENDING_ORDERS_METRIC.name, [{ name: "Environment", value: "prod" }]],
    );
    const target = inputs("aws:appautoscaling/target:Target");
    assert.deepEqual([target["minCapacity"], target["maxCapacity"]], [2, 10]);
  });

  it("Aurora MySQL: encrypted, one writer and one reader in different AZs, 7-day backups, log exports", () => {
    const c = inputs("aws:rds/cluster:Cluster");
    assert.deepEqual(
      [c["engine"], c["engineVersion"], c["storageEncrypted"], c["kmsKeyId"]],
      ["aurora-mysql", "8.0.mysql_aurora.3.10.3", true, keyArn()],
    );
    assert.equal(c["backupRetentionPeriod"], 7);
    assert.ok(c["enabledCloudwatchLogsExports"].length >= 3);
    const instances = h.ofType("aws:rds/clusterInstance:ClusterInstance");
    assert.deepEqual(instances.map((i) => i.inputs["tags"].Role).sort(), ["reader", "writer"]);
    const azs = instances.map((i) => i.inputs["availabilityZone"]);
    assert.equal(new Set(azs).size, 2, "writer and reader in different AZs");
    assert.equal(h.ofType("aws:rds/instance:Instance").length, 0);
  });

  it("internet-facing ALB in public subnets; blue and green target groups on readiness (/ready), 30 s deregistration", () => {
    const alb = inputs("aws:lb/loadBalancer:LoadBalancer");
    assert.equal(alb["internal"], false);
    assert.deepEqual(
      alb["subnets"],
      [1, 2, 3].map((i) => h.idOf("aws:ec2/subnet:Subnet", `fastcart-public-subnet-${i}-prod`)),
    );
    for (const color of ["blue", "green"]) {
      const tg = inputs("aws:lb/targetGroup:TargetGroup", `fastcart-tg-${color}-prod`);
      assert.deepEqual(
        [tg["healthCheck"].path, tg["deregistrationDelay"], tg["targetType"]],
        [READY_PATH, 30, "ip"],
      );
    }
  });

  it("real blue/green: ECS native BLUE_GREEN through the production listener rule, with its IAM role", () => {
    const svc = inputs("aws:ecs/service:Service");
    assert.equal(svc["deploymentConfiguration"].strategy, "BLUE_GREEN");
    const [lb] = svc["loadBalancers"];
    assert.equal(lb.targetGroupArn, run.outputs["blueTargetGroupArn"]);
    assert.equal(lb.advancedConfiguration.alternateTargetGroupArn, run.outputs["greenTargetGroupArn"]);
    assert.equal(
      lb.advancedConfiguration.productionListenerRule,
      h.arnOf("aws:lb/listenerRule:ListenerRule", "fastcart-prod-rule-prod"),
    );
    assert.match(lb.advancedConfiguration.roleArn, /role\/fastcart-ecs-infra-role-prod$/);
    const rule = inputs("aws:lb/listenerRule:ListenerRule");
    assert.deepEqual(
      rule["actions"][0].forward.targetGroups.map((t: { weight: number }) => t.weight),
      [100, 0],
    );
    // A bad revision rolls back by itself: circuit breaker, and alarms on 5xx, unhealthy targets, tasks.
    assert.deepEqual(svc["deploymentCircuitBreaker"], { enable: true, rollback: true });
    assert.deepEqual(svc["alarms"], {
      alarmNames: [
        "fastcart-deploy-tasks-below-desired-prod",
        "fastcart-deploy-unhealthy-blue-prod",
        "fastcart-deploy-unhealthy-green-prod",
        "fastcart-deploy-5xx-rate-prod",
      ],
      enable: true,
      rollback: true,
    });
  });

  it("HTTPS only: a DNS-validated certificate for apiDomainName on 443, port 80 only redirects, no opt-out", () => {
    assert.equal(run.config.allowPlainHttpInsecure, false);
    assert.equal(run.config.apiDomainName, "orders-api.example.com");
    const listeners = Object.fromEntries(h.ofType("aws:lb/listener:Listener").map((l) => [l.name, l.inputs]));
    assert.deepEqual(Object.keys(listeners).sort(), ["fastcart-http-redirect-prod", "fastcart-https-prod"]);
    const httpsListener = listeners["fastcart-https-prod"]!;
    assert.deepEqual([httpsListener["port"], httpsListener["protocol"]], [443, "HTTPS"]);
    assert.match(httpsListener["sslPolicy"], /^ELBSecurityPolicy-TLS13-1-2-/);
    assert.equal(
      httpsListener["certificateArn"],
      h.one("aws:acm/certificateValidation:CertificateValidation").state["certificateArn"],
    );
    assert.deepEqual(listeners["fastcart-http-redirect-prod"]!["defaultActions"][0].redirect, {
      protocol: "HTTPS",
      port: "443",
      statusCode: "HTTP_301",
    });
    assert.equal(inputs("aws:acm/certificate:Certificate")["domainName"], "orders-api.example.com");
    const zoneLookup = h.calls.find((c) => c.token === "aws:route53/getZone:getZone");
    assert.equal(zoneLookup?.inputs["name"], "example.com");
    assert.equal(
      inputs("aws:route53/record:Record", "fastcart-api-alias-prod")["name"],
      "orders-api.example.com",
    );
  });

  it("edge controls: ALB access logs to an SSE-S3 bucket; WAF managed rules and logging; VPC flow logs", () => {
    const alb = inputs("aws:lb/loadBalancer:LoadBalancer");
    assert.equal(alb["accessLogs"].bucket, h.one("aws:s3/bucket:Bucket").state["bucket"]);
    assert.equal(
      inputs("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[
        "rules"
      ][0].applyServerSideEncryptionByDefault.sseAlgorithm,
      "AES256",
    );
    const delivery = statements(inputs("aws:s3/bucketPolicy:BucketPolicy")["policy"])[1];
    assert.deepEqual(
      delivery.Principal,
      { AWS: "arn:aws:iam::127311923021:root" },
      "us-east-1's ELB account",
    );
    const groups = inputs("aws:wafv2/webAcl:WebAcl")["rules"].map((r: { name: string }) => r.name);
    assert.deepEqual(groups, [
      "rate-limit-per-ip",
      "AWSManagedRulesAmazonIpReputationList",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesSQLiRuleSet",
    ]);
    const logging = inputs("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration");
    assert.deepEqual(logging["logDestinationConfigs"], [
      h.arnOf("aws:cloudwatch/logGroup:LogGroup", "fastcart-waf-logs-prod"),
    ]);
    const flowLog = inputs("aws:ec2/flowLog:FlowLog");
    assert.deepEqual(
      [flowLog["vpcId"], flowLog["trafficType"], flowLog["logDestination"]],
      [
        h.idOf("aws:ec2/vpc:Vpc", "fastcart-vpc-prod"),
        "ALL",
        h.arnOf("aws:cloudwatch/logGroup:LogGroup", "fastcart-flow-logs-prod"),
      ],
    );
    for (const group of ["fastcart-waf-logs-prod", "fastcart-flow-logs-prod"])
      assert.equal(
        inputs("aws:cloudwatch/logGroup:LogGroup", group)["kmsKeyId"],
        h.arnOf("aws:kms/key:Key", "fastcart-kms-prod"),
        group,
      );
  });

  it("production data: deletion protection, a final snapshot, IAM auth and Performance Insights with the CMK", () => {
    const cluster = inputs("aws:rds/cluster:Cluster");
    assert.deepEqual(
      [
        cluster["deletionProtection"],
        cluster["skipFinalSnapshot"],
        cluster["finalSnapshotIdentifier"],
        cluster["iamDatabaseAuthenticationEnabled"],
      ],
      [true, false, "fastcart-aurora-prod-final", true],
    );
    for (const instance of h.ofType("aws:rds/clusterInstance:ClusterInstance")) {
      assert.deepEqual(
        [instance.inputs["performanceInsightsEnabled"], instance.inputs["performanceInsightsKmsKeyId"]],
        [true, h.arnOf("aws:kms/key:Key", "fastcart-kms-prod")],
        instance.name,
      );
    }
    const quarantined = inputs(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "fastcart-quarantined-records-alarm-prod",
    );
    assert.deepEqual([quarantined["metricName"], quarantined["threshold"]], ["QuarantinedRecords", 0]);
  });

  it("WAFv2: rate-based rule of 100 requests per 5 minutes per IP, associated with the ALB", () => {
    const [rule] = inputs("aws:wafv2/webAcl:WebAcl")["rules"];
    assert.deepEqual(rule.statement.rateBasedStatement, {
      limit: 100,
      aggregateKeyType: "IP",
      evaluationWindowSec: 300,
    });
    assert.deepEqual(rule.action, { block: {} });
    assert.match(
      inputs("aws:wafv2/webAclAssociation:WebAclAssociation")["resourceArn"],
      /loadbalancer\/app\/fastcart-alb-prod\//,
    );
  });

  it("dashboard with ECS, ALB, RDS and custom-metric widgets; alarms on 5xx rate and DB connections", () => {
    const body = JSON.stringify(json(inputs("aws:cloudwatch/dashboard:Dashboard")["dashboardBody"]));
    for (const ns of ["AWS/ECS", "AWS/ApplicationELB", "AWS/RDS", PENDING_ORDERS_METRIC.namespace])
      assert.ok(body.includes(ns), ns);
    const alarms = Object.fromEntries(
      h.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.name, a.inputs]),
    );
    assert.equal(alarms["fastcart-http-5xx-rate-alarm-prod"]!.threshold, 5);
    assert.equal(alarms["fastcart-db-connections-alarm-prod"]!.threshold, 800);
    assert.deepEqual(alarms["fastcart-db-connections-alarm-prod"]!.dimensions, {
      DBClusterIdentifier: "fastcart-aurora-prod",
    });
  });

  it("DB credentials in Secrets Manager with rotation; app configuration in SSM Parameter Store", () => {
    const c = inputs("aws:rds/cluster:Cluster");
    assert.deepEqual([c["manageMasterUserPassword"], c["masterUserSecretKmsKeyId"]], [true, keyArn()]);
    assert.deepEqual(inputs("aws:secretsmanager/secretRotation:SecretRotation")["rotationRules"], {
      automaticallyAfterDays: 30,
    });
    const params = h
      .ofType("aws:ssm/parameter:Parameter")
      .map((p) => p.inputs["name"])
      .sort();
    assert.deepEqual(params, [
      "/fastcart/prod/LOG_LEVEL",
      "/fastcart/prod/WORKER_BATCH_SIZE",
      "/fastcart/prod/WORKER_CONCURRENCY",
    ]);
  });

  it("ECR with scan on push", () => {
    assert.deepEqual(inputs("aws:ecr/repository:Repository")["imageScanningConfiguration"], {
      scanOnPush: true,
    });
  });

  it("service containers: table mode, MySQL writer + reader hosts, secrets injected, no Redis, no stream", () => {
    const [api, worker] = containers();
    assert.deepEqual([api.name, worker.name], ["api", "worker"]);
    const env = Object.fromEntries(
      api.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    assert.equal(env.INTAKE_MODE, "table");
    assert.equal(env.DB_ENGINE, "mysql");
    assert.equal(env.DB_PORT, "3306");
    assert.equal(env.DB_HOST, run.outputs["rdsClusterEndpoint"]);
    assert.equal(env.DB_READER_HOST, run.outputs["rdsReaderEndpoint"]);
    for (const absent of ["KINESIS_STREAM_NAME", "REDIS_HOST", "LOG_LEVEL"])
      assert.equal(env[absent], undefined, absent);
    const secrets = api.secrets.map((s: { name: string }) => s.name).sort();
    assert.deepEqual(secrets, ["AUTH_JWT_SECRET", "LOG_LEVEL", "WORKER_BATCH_SIZE", "WORKER_CONCURRENCY"]);
    assert.deepEqual(
      [env.DB_AUTH, env.DB_USER, env.DB_TLS, env.AWS_REGION],
      ["iam", "fastcart_app", "true", "us-east-1"],
    );
    for (const name of [...Object.keys(env), ...secrets]) assert.ok(name in SERVICE_ENV, name);
    // Table mode calls no AWS API but one: connecting to Aurora as the application user.
    const task = statements(inputs("aws:iam/rolePolicy:RolePolicy", "fastcart-task-role-prod")["policy"]);
    const clusterResourceId = h.one("aws:rds/cluster:Cluster").state["clusterResourceId"];
    assert.deepEqual(task, [
      {
        Sid: "ConnectAsApplicationUser",
        Effect: "Allow",
        Action: ["rds-db:connect"],
        Resource: [`arn:aws:rds-db:us-east-1:123456789012:dbuser:${clusterResourceId}/fastcart_app`],
      },
    ]);
  });

  it("security: service only from the ALB; DB only from the service; only the ALB open to 0.0.0.0/0 on 80/443", () => {
    const groups = Object.fromEntries(
      h.ofType("aws:ec2/securityGroup:SecurityGroup").map((g) => [g.name, g.inputs]),
    );
    assert.deepEqual(groups["fastcart-service-sg-prod"]!.ingress[0].securityGroups, [
      h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-alb-sg-prod"),
    ]);
    assert.deepEqual(groups["fastcart-db-sg-prod"]!.ingress[0].securityGroups, [
      h.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-prod"),
    ]);
    // 443 serves the API; 80 only redirects to it.
    assert.deepEqual(
      groups["fastcart-alb-sg-prod"]!.ingress.map((rule: { fromPort: number }) => rule.fromPort),
      [80, 443],
    );
    for (const [name, group] of Object.entries(groups)) {
      for (const rule of group.ingress) {
        if ((rule.cidrBlocks ?? []).includes("0.0.0.0/0")) {
          assert.equal(name, "fastcart-alb-sg-prod");
          assert.ok([80, 443].includes(rule.fromPort) && rule.fromPort === rule.toPort);
        }
      }
    }
    for (const p of h.ofType("aws:iam/rolePolicy:RolePolicy")) assertNoWildcardActions(p.inputs["policy"]);
    const exec = statements(
      inputs("aws:iam/rolePolicy:RolePolicy", "fastcart-task-execution-role-prod")["policy"],
    );
    assert.equal(exec.find((s) => s.Sid === "ReadAppConfigParameters").Resource.length, 3);
  });

  it("exports the outputs seed 002 lists", () => {
    assert.deepEqual(Object.keys(run.outputs).sort(), [...API_OUTPUTS].sort());
    assert.match(String(run.outputs["albDnsName"]), /^fastcart-alb-prod-.*\.elb\.amazonaws\.com$/);
    assert.match(
      String(run.outputs["ecsServiceArn"]),
      /^arn:aws:ecs:us-east-1:.*:service\/.*fastcart-service-prod$/,
    );
    assert.match(String(run.outputs["rdsReaderEndpoint"]), /cluster-ro-/);
    assert.match(String(run.outputs["wafWebAclArn"]), /fastcart-waf-prod/);
    assert.match(String(run.outputs["dashboardUrl"]), /#dashboards:name=fastcart-dashboard-prod$/);
    assert.notEqual(run.outputs["blueTargetGroupArn"], run.outputs["greenTargetGroupArn"]);
  });
});
