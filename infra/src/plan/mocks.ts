import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** The account every ARN in a plan names: AWS's documentation example account, never a real one. */
export const PLAN_ACCOUNT_ID = "123456789012";

/**
 * Stand-ins for what AWS would compute when a resource is created (ids, ARNs, endpoints, generated
 * passwords), so the program's `apply` chains run on realistic values. Deterministic: the same program
 * and config give byte-identical plans, which is what makes two plan files diffable in review.
 */
export function createPlanMocks(region: string): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      const inputs = args.inputs as Record<string, unknown>;
      const baseId = physicalId(args.type, args.name, inputs);
      const outputs = computedOutputs(args.type, args.name, inputs, baseId, region);
      const id = ARN_IS_ID.has(args.type) ? String(outputs["arn"]) : baseId;
      return { id, state: { ...inputs, ...outputs } };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      return invokeResult(args.token, args.inputs as Record<string, unknown>, region);
    },
  };
}

/** Types whose Pulumi `id` is their ARN in @pulumi/aws. */
const ARN_IS_ID: ReadonlySet<string> = new Set([
  "aws:ecs/service:Service",
  "aws:iam/policy:Policy",
  "aws:secretsmanager/secret:Secret",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listener:Listener",
]);

const ID_PREFIXES: Readonly<Record<string, string>> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
};

function shortHash(text: string, length = 17): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function physicalName(name: string, inputs: Record<string, unknown>): string {
  for (const key of [
    "name",
    "identifier",
    "clusterIdentifier",
    "replicationGroupId",
    "family",
    "dashboardName",
  ]) {
    const value = inputs[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return name;
}

function physicalId(type: string, name: string, inputs: Record<string, unknown>): string {
  const prefix = ID_PREFIXES[type];
  if (prefix !== undefined) return `${prefix}-${shortHash(`${type}::${name}`)}`;
  if (type === "aws:kms/key:Key") return uuidFrom(`${type}::${name}`);
  return physicalName(name, inputs);
}

function uuidFrom(text: string): string {
  const hex = shortHash(text, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `aws:rds/instance:Instance` → `rds`: the ARN service of most types is the token's module. */
function serviceOf(type: string): string {
  const module = type.split(":")[1]?.split("/")[0] ?? "unknown";
  return ARN_SERVICES[module] ?? module;
}

/** Token modules whose ARNs name another service. */
const ARN_SERVICES: Readonly<Record<string, string>> = {
  lb: "elasticloadbalancing",
  appautoscaling: "autoscaling",
};

function computedOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  id: string,
  region: string,
): Record<string, unknown> {
  const physical = physicalName(name, inputs);
  const arnBase = `arn:aws:${serviceOf(type)}:${region}:${PLAN_ACCOUNT_ID}`;
  const host = `${physical}.${shortHash(region, 12)}.${region}`;
  const common = {
    arn: `${arnBase}:${type.split(":")[2]?.toLowerCase() ?? "resource"}/${physical}`,
    name: physical,
  };
  switch (type) {
    case "aws:kms/key:Key":
      return { arn: `${arnBase}:key/${id}`, keyId: id };
    case "aws:kms/alias:Alias":
      return { arn: `${arnBase}:${physical}`, targetKeyArn: inputs["targetKeyId"] };
    case "aws:iam/role:Role":
      return {
        arn: `arn:aws:iam::${PLAN_ACCOUNT_ID}:role/${physical}`,
        name: physical,
        uniqueId: `AROA${shortHash(physical)}`,
      };
    case "aws:iam/policy:Policy":
      return {
        arn: `arn:aws:iam::${PLAN_ACCOUNT_ID}:policy/${physical}`,
        name: physical,
        policyId: `ANPA${shortHash(physical)}`,
      };
    case "aws:secretsmanager/secret:Secret":
      return { arn: `${arnBase}:secret:${physical}-${shortHash(physical, 6)}`, name: physical };
    case "aws:ssm/parameter:Parameter":
      return { arn: `${arnBase}:parameter${physical.startsWith("/") ? "" : "/"}${physical}`, name: physical };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:${region}:${PLAN_ACCOUNT_ID}:log-group:${physical}`, name: physical };
    case "aws:ecr/repository:Repository":
      return {
        ...common,
        arn: `${arnBase}:repository/${physical}`,
        registryId: PLAN_ACCOUNT_ID,
        repositoryUrl: `${PLAN_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${physical}`,
      };
    case "aws:ecs/service:Service":
      return { ...common, arn: `${arnBase}:service/${physical}` };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return {
        arn: `${arnBase}:task-definition/${physical}:1`,
        arnWithoutRevision: `${arnBase}:task-definition/${physical}`,
        revision: 1,
      };
    case "aws:rds/instance:Instance":
      return {
        ...common,
        arn: `${arnBase}:db:${physical}`,
        address: `${host}.rds.amazonaws.com`,
        endpoint: `${host}.rds.amazonaws.com:${rdsPort(inputs)}`,
        port: rdsPort(inputs),
        resourceId: `db-${shortHash(physical, 26).toUpperCase()}`,
        masterUserSecrets: masterUserSecrets(
          inputs,
          `${arnBase.replace(":rds:", ":secretsmanager:")}:secret:rds!db-${uuidFrom(physical)}`,
        ),
      };
    case "aws:rds/cluster:Cluster":
      return {
        ...common,
        arn: `${arnBase}:cluster:${physical}`,
        endpoint: `${physical}.cluster-${shortHash(region, 12)}.${region}.rds.amazonaws.com`,
        readerEndpoint: `${physical}.cluster-ro-${shortHash(region, 12)}.${region}.rds.amazonaws.com`,
        port: rdsPort(inputs),
        clusterResourceId: `cluster-${shortHash(physical, 26).toUpperCase()}`,
        masterUserSecrets: masterUserSecrets(
          inputs,
          `${arnBase.replace(":rds:", ":secretsmanager:")}:secret:rds!cluster-${uuidFrom(physical)}`,
        ),
      };
    case "aws:rds/clusterInstance:ClusterInstance":
      return {
        ...common,
        arn: `${arnBase}:db:${physical}`,
        endpoint: `${host}.rds.amazonaws.com`,
        port: rdsPort(inputs),
      };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return {
        arn: `${arnBase}:replicationgroup:${physical}`,
        primaryEndpointAddress: `master.${host}.cache.amazonaws.com`,
        readerEndpointAddress: `replica.${host}.cache.amazonaws.com`,
        port: inputs["port"] ?? 6379,
      };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        ...common,
        arn: `arn:aws:elasticloadbalancing:${region}:${PLAN_ACCOUNT_ID}:loadbalancer/app/${physical}/${shortHash(physical, 16)}`,
        arnSuffix: `app/${physical}/${shortHash(physical, 16)}`,
        dnsName: `${physical}-${shortHash(physical, 10)}.${region}.elb.amazonaws.com`,
        zoneId: "Z215JYRZR1TBD5",
      };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        ...common,
        arn: `arn:aws:elasticloadbalancing:${region}:${PLAN_ACCOUNT_ID}:targetgroup/${physical}/${shortHash(physical, 16)}`,
        arnSuffix: `targetgroup/${physical}/${shortHash(physical, 16)}`,
      };
    case "aws:lb/listenerRule:ListenerRule":
      return {
        arn: `${arnBase}:listener-rule/app/${name}/${shortHash(name, 16)}/${shortHash(`${name}-rule`, 16)}`,
      };
    case "aws:lb/listener:Listener":
      return {
        arn: `arn:aws:elasticloadbalancing:${region}:${PLAN_ACCOUNT_ID}:listener/app/${name}/${shortHash(name, 16)}`,
      };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { dashboardArn: `arn:aws:cloudwatch::${PLAN_ACCOUNT_ID}:dashboard/${physical}` };
    case "aws:wafv2/webAcl:WebAcl":
      return {
        ...common,
        arn: `arn:aws:wafv2:${region}:${PLAN_ACCOUNT_ID}:regional/webacl/${physical}/${uuidFrom(physical)}`,
        capacity: 2,
      };
    case "aws:ec2/eip:Eip":
      return { allocationId: id, publicIp: `198.51.100.${Number.parseInt(shortHash(name, 2), 16) % 250}` };
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      // Plain here: the recorder marks `result` secret, as the engine does for `additionalSecretOutputs`.
      return { result: generatedPassword(type, name, Number(inputs["length"] ?? 32)) };
    default:
      return common;
  }
}

function rdsPort(inputs: Record<string, unknown>): number {
  if (typeof inputs["port"] === "number") return inputs["port"];
  return String(inputs["engine"] ?? "").includes("postgres") ? 5432 : 3306;
}

/** With `manageMasterUserPassword`, RDS creates the credentials secret itself and reports it here. */
function masterUserSecrets(inputs: Record<string, unknown>, secretArn: string): unknown[] {
  if (inputs["manageMasterUserPassword"] !== true) return [];
  return [{ secretArn, kmsKeyId: inputs["masterUserSecretKmsKeyId"] ?? "", secretStatus: "active" }];
}

/** The deterministic stand-in for a generated password (exported so tests can prove it never appears). */
export function generatedPassword(type: string, name: string, length: number): string {
  let text = "";
  for (let round = 0; text.length < length; round++) text += shortHash(`${type}::${name}::${round}`, 64);
  return text.slice(0, length);
}

function invokeResult(
  token: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: PLAN_ACCOUNT_ID,
        arn: `arn:aws:iam::${PLAN_ACCOUNT_ID}:user/plan`,
        userId: "AIDAPLANOFFLINE",
        id: PLAN_ACCOUNT_ID,
      };
    case "aws:index/getRegion:getRegion":
      return {
        name: region,
        region,
        id: region,
        description: region,
        endpoint: `ec2.${region}.amazonaws.com`,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const letters = ["a", "b", "c", "d", "e", "f"];
      return {
        names: letters.map((letter) => `${region}${letter}`),
        zoneIds: letters.map((_, index) => `${region.slice(0, 3)}-az${index + 1}`),
        id: region,
        state: inputs["state"] ?? "available",
      };
    }
    default: {
      const message =
        `The offline plan has no stand-in for the data source "${token}". Add one to infra/src/plan/mocks.ts ` +
        "(it must return what AWS would, deterministically).";
      // The SDK reports a failed invoke with the error's `details` (the field a gRPC error carries).
      throw Object.assign(new Error(message), { details: message });
    }
  }
}
