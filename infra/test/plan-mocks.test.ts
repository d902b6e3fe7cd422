/** The plan's AWS mock provider: invented ids, ARNs and endpoints, and the data sources it answers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPlanMocks, PLAN_ACCOUNT_ID } from "../src/plan/mocks.js";

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
