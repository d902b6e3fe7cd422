/**
 * Three Service components under the shared mocks, in the shapes the stacks use: blue/green behind an
 * ALB with Spot, autoscaling and SSM app config (orders-api-prod); no load balancer, stream mode, Redis
 * (fastcart-dev); rolling behind an ALB. Records each registration's dependencies (explicit `dependsOn`
 * and input references, as the engine receives them) so tests can check ordering.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Service, type ServiceArgs } from "../../src/components/service.js";
import { installMocks, MOCK_ACCOUNT_ID, type MockHarness, resolve } from "../support/mocks.js";

export const region = "us-east-1";
export const keyArn = `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/k`;
export const streamArn = `arn:aws:kinesis:${region}:${MOCK_ACCOUNT_ID}:stream/orders`;
export const repoArn = `arn:aws:ecr:${region}:${MOCK_ACCOUNT_ID}:repository/fastcart-ecr-x`;
export const masterSecret = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:rds!db-x`;
export const jwtSecret = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:jwt`;
export const redisSecret = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:redis`;
export const image = `${MOCK_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/fastcart-ecr-x@sha256:${"a".repeat(64)}`;

export function serviceArgs(suffix: string): ServiceArgs {
  return {
    naming: { environmentSuffix: suffix, stackName: "unit" },
    region,
    accountId: MOCK_ACCOUNT_ID,
    containerInsights: "enabled",
    privateSubnetIds: ["priv-1", "priv-2"],
    securityGroupId: "sg-svc",
    image,
    ecrRepositoryArn: repoArn,
    taskCpu: 512,
    taskMemory: 1024,
    desiredCount: 2,
    fargateWeight: 1,
    fargateSpotWeight: 0,
    service: {
      environment: { FASTCART_ENVIRONMENT: suffix, DB_HOST: "db.internal", DB_AUTH: "iam", DB_USER: "app" },
      secrets: { AUTH_JWT_SECRET: jwtSecret },
      secretArns: [jwtSecret],
    },
    migrate: {
      environment: { FASTCART_ENVIRONMENT: suffix, DB_HOST: "db.internal", DB_AUTH: "iam", DB_USER: "app" },
      secrets: {
        DB_ADMIN_USER: `${masterSecret}:username::`,
        DB_ADMIN_PASSWORD: `${masterSecret}:password::`,
      },
      secretArns: [masterSecret],
    },
    ssmAppConfig: {},
    kmsKeyArn: keyArn,
    streamArn: undefined,
    databaseUser: { resourceId: "db-ABCDEF", name: "app" },
    egress: { database: { port: 5432, securityGroupId: "sg-db" }, cache: undefined, inVpcApi: undefined },
    logRetentionDays: 7,
    loadBalancing: undefined,
    rollbackHttp5xxRatePercent: 5,
    rollbackStream: undefined,
    autoscaling: undefined,
  };
}

/** The ALB pieces Edge would create, outside any component. */
function edgeResources(prefix: string, green: boolean) {
  const targetGroup = (color: string) =>
    new aws.lb.TargetGroup(`${prefix}-tg-${color}-edge`, {
      name: `${prefix}-tg-${color}`,
      vpcId: "vpc-1",
      targetType: "ip",
      protocol: "HTTP",
      port: 3000,
    });
  const blueTargetGroup = targetGroup("blue");
  const listener = new aws.lb.Listener(`${prefix}-listener-edge`, {
    loadBalancerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/1",
    port: 443,
    protocol: "HTTPS",
    defaultActions: [{ type: "forward", targetGroupArn: blueTargetGroup.arn }],
  });
  const productionRule = new aws.lb.ListenerRule(`${prefix}-rule-edge`, {
    listenerArn: listener.arn,
    actions: [{ type: "forward", targetGroupArn: blueTargetGroup.arn }],
    conditions: [{ pathPattern: { values: ["/*"] } }],
  });
  return {
    loadBalancerArnSuffix: "app/alb/1",
    listener,
    productionRule,
    blueTargetGroup,
    greenTargetGroup: green ? targetGroup("green") : undefined,
  };
}

export interface ServiceFixture {
  readonly harness: MockHarness;
  readonly blueGreen: Service;
  readonly pipeline: Service;
  readonly rolling: Service;
  /** URNs each resource's registration depended on, by logical name. */
  readonly dependencies: Map<string, string[]>;
}

export async function createServiceFixture(): Promise<ServiceFixture> {
  const harness = await installMocks(region);
  const dependencies = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      request: { getName(): string; getDependenciesList(): string[] },
      callback: unknown,
    ): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    dependencies.set(request.getName(), request.getDependenciesList());
    return register(request, callback);
  };

  const blueGreen = new Service("fastcart-service-sv1", {
    ...serviceArgs("sv1"),
    containerInsights: "enhanced",
    taskCpu: 1024,
    taskMemory: 2048,
    fargateSpotWeight: 1,
    ssmAppConfig: { LOG_LEVEL: "warn", WORKER_BATCH_SIZE: "250" },
    databaseUser: { resourceId: "cluster-ABCDEF", name: "fastcart_app" },
    egress: { database: { port: 3306, securityGroupId: "sg-db" }, cache: undefined, inVpcApi: undefined },
    loadBalancing: { ...edgeResources("sv1", true), bakeTimeMinutes: 10 },
    rollbackHttp5xxRatePercent: 7,
    autoscaling: { minCapacity: 2, maxCapacity: 10, cpuTargetPercent: 70, pendingOrdersPerTask: 500 },
  });
  const pipeline = new Service("fastcart-service-sv2", {
    ...serviceArgs("sv2"),
    service: {
      ...serviceArgs("sv2").service,
      secrets: { AUTH_JWT_SECRET: jwtSecret, REDIS_AUTH_TOKEN: redisSecret },
      secretArns: [jwtSecret, redisSecret],
    },
    streamArn,
    rollbackStream: { name: "fastcart-orders-stream-sv2", iteratorAgeMs: 60000 },
    egress: {
      database: { port: 5432, securityGroupId: "sg-db" },
      cache: { port: 6379, securityGroupId: "sg-redis" },
      inVpcApi: { port: 3000, securityGroupId: "sg-svc" },
    },
  });
  const rolling = new Service("fastcart-service-sv3", {
    ...serviceArgs("sv3"),
    containerInsights: "disabled",
    loadBalancing: { ...edgeResources("sv3", false), bakeTimeMinutes: 5 },
  });
  await resolve(blueGreen.service.arn);
  await harness.settle();
  return { harness, blueGreen, pipeline, rolling, dependencies };
}
