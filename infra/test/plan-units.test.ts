/** Unit tests of the plan's parts: mocks, wire-format conversion, stack files, recorder, table. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { createPlanMocks, PLAN_ACCOUNT_ID } from "../src/plan/mocks.js";
import { RegistrationRecorder } from "../src/plan/recorder.js";
import { collectStrings, fromWire, scrubLeakedSecrets } from "../src/plan/redact.js";
import { INFRA_DIR, knownStacks, readStackSettings, secretPlaceholder } from "../src/plan/stack-settings.js";
import { formatPlanTable, KEY_SETTINGS, keySettings } from "../src/plan/table.js";
import type { PlanResource } from "../src/plan/types.js";

describe("RegistrationRecorder", () => {
  // First in this file: before any setMocks, this process has no monitor.
  it("needs the mock monitor installed first", () => {
    assert.throws(
      () => new RegistrationRecorder().attach(),
      /No resource monitor: call pulumi\.runtime\.setMocks/,
    );
  });

  it("records registrations the monitor refuses as failures, with type and name", () => {
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "plan", "recorder-failure-child.ts")],
      {
        encoding: "utf8",
      },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      failures: ["aws:ec2/vpc:Vpc refused: quota exceeded"],
      recorded: ["accepted"],
    });
  });
});

describe("plan mocks", () => {
  const mocks = createPlanMocks("eu-central-1");
  const create = (type: string, name: string, inputs: Record<string, unknown> = {}) =>
    mocks.newResource({ type, name, inputs, custom: true }) as { id: string; state: Record<string, unknown> };

  it("computes ARNs, ids and endpoints the way AWS shapes them, deterministically", () => {
    assert.deepEqual(create("aws:ec2/vpc:Vpc", "v"), create("aws:ec2/vpc:Vpc", "v"));
    assert.match(create("aws:ec2/vpc:Vpc", "v").id, /^vpc-[0-9a-f]{17}$/);
    assert.match(
      create("aws:kms/key:Key", "k").id,
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(
      create("aws:kms/alias:Alias", "a", { name: "alias/x", targetKeyId: "k" }).state["arn"],
      `arn:aws:kms:eu-central-1:${PLAN_ACCOUNT_ID}:alias/x`,
    );
    assert.equal(
      create("aws:iam/role:Role", "r", { name: "role-x" }).state["arn"],
      `arn:aws:iam::${PLAN_ACCOUNT_ID}:role/role-x`,
    );
    const policy = create("aws:iam/policy:Policy", "p", { name: "policy-x" });
    assert.equal(
      policy.id,
      `arn:aws:iam::${PLAN_ACCOUNT_ID}:policy/policy-x`,
      "an IAM policy's id is its ARN",
    );
    assert.match(
      String(create("aws:secretsmanager/secret:Secret", "s", { name: "sec" }).state["arn"]),
      /:secret:sec-[0-9a-f]{6}$/,
    );
    assert.equal(
      create("aws:ssm/parameter:Parameter", "p", { name: "/a/b" }).state["arn"],
      `arn:aws:ssm:eu-central-1:${PLAN_ACCOUNT_ID}:parameter/a/b`,
    );
    assert.equal(
      create("aws:ssm/parameter:Parameter", "p", { name: "plain" }).state["arn"],
      `arn:aws:ssm:eu-central-1:${PLAN_ACCOUNT_ID}:parameter/plain`,
    );
    assert.equal(
      create("aws:cloudwatch/logGroup:LogGroup", "l", { name: "/ecs/x" }).state["arn"],
      `arn:aws:logs:eu-central-1:${PLAN_ACCOUNT_ID}:log-group:/ecs/x`,
    );
    assert.equal(
      create("aws:ecr/repository:Repository", "r", { name: "repo" }).state["repositoryUrl"],
      `${PLAN_ACCOUNT_ID}.dkr.ecr.eu-central-1.amazonaws.com/repo`,
    );
    assert.equal(
      create("aws:ecs/service:Service", "svc", {
        cluster: `arn:aws:ecs:eu-central-1:${PLAN_ACCOUNT_ID}:cluster/main`,
      }).id,
      `arn:aws:ecs:eu-central-1:${PLAN_ACCOUNT_ID}:service/main/svc`,
      "a service's ARN names its cluster",
    );
    assert.equal(
      create("aws:ecs/taskDefinition:TaskDefinition", "t", { family: "fam" }).state["arn"],
      `arn:aws:ecs:eu-central-1:${PLAN_ACCOUNT_ID}:task-definition/fam:1`,
    );
    const postgres = create("aws:rds/instance:Instance", "db", {
      identifier: "db-x",
      engine: "postgres",
      manageMasterUserPassword: true,
    });
    assert.equal(postgres.state["port"], 5432);
    assert.match(String(postgres.state["endpoint"]), /^db-x\..*\.rds\.amazonaws\.com:5432$/);
    assert.match(
      String((postgres.state["masterUserSecrets"] as { secretArn: string }[])[0]?.secretArn),
      /^arn:aws:secretsmanager:eu-central-1:\d{12}:secret:rds!db-/,
    );
    assert.deepEqual(
      create("aws:rds/instance:Instance", "db", { engine: "mysql", port: 3307 }).state["masterUserSecrets"],
      [],
    );
    assert.equal(
      create("aws:rds/instance:Instance", "db", { engine: "mysql", port: 3307 }).state["port"],
      3307,
    );
    const cluster = create("aws:rds/cluster:Cluster", "c", {
      clusterIdentifier: "aurora-x",
      engine: "aurora-mysql",
    });
    assert.match(String(cluster.state["readerEndpoint"]), /^aurora-x\.cluster-ro-/);
    assert.equal(cluster.state["port"], 3306);
    assert.equal(
      create("aws:rds/clusterInstance:ClusterInstance", "w", { identifier: "w" }).state["arn"],
      `arn:aws:rds:eu-central-1:${PLAN_ACCOUNT_ID}:db:w`,
    );
    assert.equal(
      create("aws:elasticache/replicationGroup:ReplicationGroup", "g", { replicationGroupId: "g" }).state[
        "port"
      ],
      6379,
    );
    assert.match(
      String(create("aws:lb/loadBalancer:LoadBalancer", "lb", { name: "lb" }).state["dnsName"]),
      /^lb-[0-9a-f]{10}\.eu-central-1\.elb\.amazonaws\.com$/,
    );
    assert.match(
      String(create("aws:lb/targetGroup:TargetGroup", "tg", { name: "tg" }).state["arnSuffix"]),
      /^targetgroup\/tg\//,
    );
    const balancer = String(create("aws:lb/loadBalancer:LoadBalancer", "lb", { name: "lb" }).id);
    const listener = String(create("aws:lb/listener:Listener", "l", { loadBalancerArn: balancer }).id);
    assert.match(
      listener,
      /^arn:aws:elasticloadbalancing:eu-central-1:\d{12}:listener\/app\/lb\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
    );
    assert.match(
      String(create("aws:lb/listenerRule:ListenerRule", "r", { listenerArn: listener }).id),
      /^arn:aws:elasticloadbalancing:eu-central-1:\d{12}:listener-rule\/app\/lb\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
    );
    assert.match(String(create("aws:lb/listener:Listener", "l").id), /:listener\/app\/l\/0\//);
    assert.match(
      String(create("aws:lb/listenerRule:ListenerRule", "r").id),
      /:listener-rule\/app\/r\/0\/0\//,
    );
    assert.equal(
      create("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { name: "high" }).state["arn"],
      `arn:aws:cloudwatch:eu-central-1:${PLAN_ACCOUNT_ID}:alarm:high`,
    );
    assert.deepEqual(
      [
        create("aws:s3/bucketV2:BucketV2", "b", { bucket: "logs-x" }).id,
        create("aws:s3/bucket:Bucket", "b", { bucket: "logs-x" }).state["arn"],
      ],
      ["logs-x", "arn:aws:s3:::logs-x"],
    );
    assert.match(
      String(create("aws:acm/certificate:Certificate", "c", { domainName: "x.example.com" }).state["arn"]),
      /^arn:aws:acm:eu-central-1:\d{12}:certificate\/[0-9a-f-]{36}$/,
    );
    const flowLog = create("aws:ec2/flowLog:FlowLog", "f");
    assert.equal(
      flowLog.state["arn"],
      `arn:aws:ec2:eu-central-1:${PLAN_ACCOUNT_ID}:vpc-flow-log/${flowLog.id}`,
    );
    assert.equal(
      create("aws:cloudwatch/dashboard:Dashboard", "d", { dashboardName: "dash" }).state["dashboardArn"],
      `arn:aws:cloudwatch::${PLAN_ACCOUNT_ID}:dashboard/dash`,
    );
    assert.match(
      String(create("aws:wafv2/webAcl:WebAcl", "w", { name: "waf" }).state["arn"]),
      /:regional\/webacl\/waf\//,
    );
    assert.match(String(create("aws:ec2/eip:Eip", "e").state["publicIp"]), /^198\.51\.100\.\d+$/);
    assert.equal(
      String(create("random:index/randomPassword:RandomPassword", "p", { length: 40 }).state["result"])
        .length,
      40,
    );
    assert.equal(String(create("random:index/randomString:RandomString", "s").state["result"]).length, 32);
    assert.equal(
      create("aws:sns/topic:Topic", "t", { name: "alarms" }).state["arn"],
      `arn:aws:sns:eu-central-1:${PLAN_ACCOUNT_ID}:alarms`,
    );
    assert.equal(
      create("weird", "w").state["arn"],
      `arn:aws:unknown:eu-central-1:${PLAN_ACCOUNT_ID}:resource/w`,
    );
  });

  it("answers the data sources programs use offline, and names the file to extend for any other", () => {
    const call = (token: string, inputs: Record<string, unknown> = {}) =>
      mocks.call({ token, inputs }) as Record<string, unknown>;
    assert.equal(call("aws:index/getCallerIdentity:getCallerIdentity")["accountId"], PLAN_ACCOUNT_ID);
    assert.equal(call("aws:index/getRegion:getRegion")["name"], "eu-central-1");
    assert.equal(call("aws:index/getPartition:getPartition")["partition"], "aws");
    const zones = call("aws:index/getAvailabilityZones:getAvailabilityZones", { state: "available" });
    assert.deepEqual((zones["names"] as string[]).slice(0, 3), [
      "eu-central-1a",
      "eu-central-1b",
      "eu-central-1c",
    ]);
    assert.equal(call("aws:index/getAvailabilityZones:getAvailabilityZones")["state"], "available");
    assert.equal(call("aws:elb/getServiceAccount:getServiceAccount")["id"], "054676820928");
    assert.equal(
      call("aws:elb/getServiceAccount:getServiceAccount", { region: "us-east-1" })["arn"],
      "arn:aws:iam::127311923021:root",
    );
    assert.throws(
      () => call("aws:elb/getServiceAccount:getServiceAccount", { region: "xx-nowhere-1" }),
      /no stand-in for aws:elb\/getServiceAccount:getServiceAccount for region xx-nowhere-1/,
    );
    const image = call("aws:ecr/getImage:getImage", { repositoryName: "fastcart-ecr-dev", imageTag: "v1" });
    assert.match(String(image["imageDigest"]), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      image,
      call("aws:ecr/getImage:getImage", { repositoryName: "fastcart-ecr-dev", imageTag: "v1" }),
    );
    assert.notEqual(
      image["imageDigest"],
      call("aws:ecr/getImage:getImage", { repositoryName: "fastcart-ecr-dev", imageTag: "v2" })[
        "imageDigest"
      ],
    );
    assert.equal(
      call("aws:ecr/getImage:getImage", { repositoryName: "r", registryId: "210987654321" })["registryId"],
      "210987654321",
    );
    assert.throws(
      () => call("aws:ec2/getVpc:getVpc"),
      (error: Error & { details?: string }) => {
        assert.match(error.message, /no stand-in for the data source "aws:ec2\/getVpc:getVpc"/);
        assert.equal(error.details, error.message, "the SDK reports details, not message");
        return true;
      },
    );
  });
});

describe("wire format → plan JSON", () => {
  const sig = pulumi.runtime.specialSigKey;
  it("redacts secrets, marks unknowns, names resources by URN and assets by origin", () => {
    assert.deepEqual(
      fromWire({
        plain: ["a", 1, true, null],
        secret: { [sig]: pulumi.runtime.specialSecretSig, value: "hunter22hunter22" },
        unknown: pulumi.runtime.unknownValue,
        ref: { [sig]: pulumi.runtime.specialResourceSig, urn: "urn:pulumi:s::p::t::n", id: "x" },
        secretOutput: {
          [sig]: pulumi.runtime.specialOutputValueSig,
          value: "hunter22hunter22",
          secret: true,
        },
        knownOutput: { [sig]: pulumi.runtime.specialOutputValueSig, value: { nested: "v" } },
        unknownOutput: { [sig]: pulumi.runtime.specialOutputValueSig },
        file: { [sig]: pulumi.runtime.specialAssetSig, path: "./lambda.zip" },
        remote: { [sig]: pulumi.runtime.specialArchiveSig, uri: "https://example.com/a.zip" },
        text: { [sig]: pulumi.runtime.specialAssetSig, text: "print(1)" },
        archive: { [sig]: pulumi.runtime.specialArchiveSig, assets: {} },
      }),
      {
        plain: ["a", 1, true, null],
        secret: "[secret]",
        unknown: "[unknown]",
        ref: "urn:pulumi:s::p::t::n",
        secretOutput: "[secret]",
        knownOutput: { nested: "v" },
        unknownOutput: "[unknown]",
        file: "[asset ./lambda.zip]",
        remote: "[asset https://example.com/a.zip]",
        text: "[asset text]",
        archive: "[asset archive]",
      },
    );
  });

  it("collects the plaintexts of generated secrets, ignoring strings too short to be one", () => {
    const into = new Set<string>();
    collectStrings({ password: "correct-horse-battery", nested: ["staple-staple", 42, null, "short"] }, into);
    assert.deepEqual([...into], ["correct-horse-battery", "staple-staple"]);
  });

  it("scrubs a known secret wherever it reappears, and says where", () => {
    const leaks: string[] = [];
    const scrubbed = scrubLeakedSecrets(
      { list: ["ok", "prefix-hunter22hunter22-suffix"], deep: { value: "hunter22hunter22" }, n: 5 },
      new Set(["hunter22hunter22"]),
      "res",
      leaks,
    );
    assert.deepEqual(scrubbed, { list: ["ok", "[secret]"], deep: { value: "[secret]" }, n: 5 });
    assert.deepEqual(leaks, ["res.list[1]", "res.deep.value"]);
  });
});

describe("stack files", () => {
  const dir = mkdtempSync(join(tmpdir(), "plan-stacks-"));
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);

  it("lists this repository's stacks", () => {
    assert.deepEqual(knownStacks(), ["fastcart-dev", "orders-api-prod"]);
    assert.ok(INFRA_DIR.endsWith("/infra/"));
  });

  it("applies project values and defaults, then the stack file; qualifies bare keys; renders structure as JSON", () => {
    write(
      "Pulumi.yaml",
      "name: demo\nconfig:\n  demo:a:\n    default: 1\n  b:\n    value: two\n  aws:region: us-east-1\n  demo:unset:\n    type: string\n",
    );
    write(
      "Pulumi.one.yml",
      "config:\n  aws:region: eu-west-1\n  list: [1, 2]\n  demo:token:\n    secure: v1:abc\n",
    );
    const settings = readStackSettings("one", dir);
    assert.deepEqual(settings, {
      project: "demo",
      stack: "one",
      config: {
        "demo:a": "1",
        "demo:b": "two",
        "aws:region": "eu-west-1",
        "demo:list": "[1,2]",
        "demo:token": secretPlaceholder("demo:token"),
      },
      secretKeys: ["demo:token"],
    });
  });

  it("refuses an unknown stack with the list of known ones, a project without a name, and a non-mapping file", () => {
    assert.throws(
      () => readStackSettings("nope"),
      /^Error: Unknown stack "nope": there is no .*Pulumi\.nope\.yaml\. Known stacks: fastcart-dev, orders-api-prod\.$/,
    );
    const empty = join(dir, "empty");
    mkdirSync(empty);
    assert.throws(() => readStackSettings("x", empty), /Known stacks: \(none\)\./);
    write("Pulumi.yaml", "description: no name\n");
    assert.throws(() => readStackSettings("one", dir), /Pulumi\.yaml: "name" must be the project name\./);
    write("Pulumi.yaml", "- a list\n");
    assert.throws(
      () => readStackSettings("one", dir),
      /Pulumi\.yaml: expected a YAML mapping at the top level\./,
    );
  });
});

describe("plan table", () => {
  const resource = (
    type: string,
    inputs: Record<string, unknown>,
    extra: Partial<PlanResource> = {},
  ): PlanResource => ({
    urn: `urn:pulumi:s::p::${type}::r`,
    type,
    name: "r",
    parent: null,
    dependsOn: [],
    propertyDependencies: {},
    provider: null,
    custom: true,
    inputs,
    ...extra,
  });
  /** One input object with every field any summary reads. */
  const everything = {
    cidrBlock: "10.0.0.0/16",
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-1" }],
    ingress: [
      { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-1"], self: true },
      { protocol: "-1" },
    ],
    settings: [{ name: "containerInsights", value: "enabled" }],
    defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
    capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
    containerDefinitions: JSON.stringify([
      { name: "api", command: ["serve"], portMappings: [{ containerPort: 3000 }] },
      { name: "worker" },
    ]),
    rules: [{ name: "rate", statement: { rateBasedStatement: { limit: 100 } } }, { name: "plain" }],
    assumeRolePolicy: JSON.stringify({ Statement: [{ Principal: { Service: "ecs-tasks.amazonaws.com" } }] }),
    kmsKeyId: "arn:aws:kms:eu-central-1:123456789012:key/abc",
    shardLevelMetrics: ["IncomingBytes", "OutgoingBytes"],
    healthCheck: { path: "/health" },
  };

  it("summarises every type it knows", () => {
    for (const type of Object.keys(KEY_SETTINGS))
      assert.equal(typeof keySettings(resource(type, everything)), "string", type);
    assert.equal(keySettings(resource("aws:ec2/vpc:Vpc", everything)), "cidr=10.0.0.0/16");
    assert.equal(
      keySettings(resource("aws:ecs/taskDefinition:TaskDefinition", everything)),
      "container api[serve]:3000 container worker",
    );
    assert.equal(
      keySettings(resource("aws:kinesis/stream:Stream", everything)),
      "kms=…abc metrics=IncomingBytes+OutgoingBytes",
    );
    assert.equal(
      keySettings(resource("aws:ec2/securityGroup:SecurityGroup", everything)),
      "in tcp/5432-5432 from sg-1,self in -1/undefined-undefined from -",
    );
    assert.equal(
      keySettings(resource("aws:wafv2/webAcl:WebAcl", everything)),
      "rule rate limit=100 rule plain",
    );
    assert.equal(
      keySettings(resource("aws:iam/role:Role", everything)),
      'trusts {"Service":"ecs-tasks.amazonaws.com"}',
    );
    assert.equal(
      keySettings(
        resource("aws:appautoscaling/policy:Policy", {
          targetTrackingScalingPolicyConfiguration: {
            targetValue: 500,
            customizedMetricSpecification: {
              metrics: [
                { id: "pending", metricStat: { metric: { metricName: "PendingOrders" } } },
                { id: "perTask", expression: "pending / tasks" },
                { id: "nothing" },
              ],
            },
          },
        }),
      ),
      "target=500 pending=PendingOrders perTask=pending / tasks",
    );
    assert.equal(keySettings(resource("aws:ecs/cluster:Cluster", {})), "");
    assert.equal(keySettings(resource("aws:ecs/service:Service", { desiredCount: 2 })), "desired=2");
    assert.equal(keySettings(resource("aws:ec2/routeTable:RouteTable", {})), "");
    assert.equal(keySettings(resource("aws:ec2/securityGroup:SecurityGroup", {})), "");
    assert.equal(keySettings(resource("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", {})), "");
    assert.equal(keySettings(resource("aws:wafv2/webAcl:WebAcl", {})), "");
    assert.equal(
      keySettings(resource("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: "{not json" })),
      "containers=(unparsed)",
    );
    assert.equal(keySettings(resource("aws:iam/role:Role", { assumeRolePolicy: "[secret]" })), "");
    assert.equal(keySettings(resource("aws:nosuch/type:Type", everything)), "");
  });

  it("indents children under their parent, lists outputs and warnings, and puts orphans at the top", () => {
    const parent = resource(
      "fastcart:components:Network",
      {},
      { urn: "urn:parent", name: "network", custom: false },
    );
    const child = resource(
      "aws:ec2/vpc:Vpc",
      { cidrBlock: "10.0.0.0/16" },
      { name: "vpc", parent: "urn:parent" },
    );
    const orphan = resource(
      "aws:ec2/vpc:Vpc",
      {},
      { urn: "urn:orphan", name: "orphan", parent: "urn:missing" },
    );
    const table = formatPlanTable({
      stack: "s",
      project: "p",
      resources: [parent, child, orphan],
      outputs: { id: "vpc-1", list: ["a", "b"] },
      warnings: ["careful"],
    });
    assert.match(table, /^Stack s \(project p\): 3 resources \(2 AWS\/provider, 1 components\)/);
    assert.match(table, /\nfastcart:components:Network +network\n/);
    assert.match(table, /\naws:ec2\/vpc:Vpc + {2}vpc +cidr=10\.0\.0\.0\/16\n/);
    assert.match(table, /\naws:ec2\/vpc:Vpc +orphan\n/);
    assert.match(table, /\n {4}2 {2}aws:ec2\/vpc:Vpc\n {4}1 {2}fastcart:components:Network\n/);
    assert.match(table, /\n {2}id = vpc-1\n {2}list = \["a","b"\]\n/);
    assert.match(table, /\nWARNINGS\n {2}careful$/);
  });
});
