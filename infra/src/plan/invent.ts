import { createHash } from "node:crypto";

/** The account every ARN in a plan names: AWS's documentation example account, never a real one. */
export const PLAN_ACCOUNT_ID = "123456789012";

/** What AWS would report for a new resource: its Pulumi `id` and its state (inputs plus computed outputs). */
export interface InventedResource {
  readonly id: string;
  readonly state: Record<string, unknown>;
}

/**
 * Invents what AWS computes when a resource is created (ids, ARNs, endpoints, generated passwords), in
 * the shapes AWS documents, from the type, logical name and inputs alone. Deterministic: the same program
 * and config give byte-identical plans, and a test can recompute the ARN of any resource of a plan
 * (the IAM simulation does) and get exactly what the program received.
 */
export function inventResource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): InventedResource {
  const baseId = physicalId(type, name, inputs);
  const outputs = computedOutputs(type, name, inputs, baseId, region);
  const id = ARN_IS_ID.has(type) ? String(outputs["arn"]) : baseId;
  return { id, state: { ...inputs, ...outputs } };
}

/** Types whose Pulumi `id` is their ARN in @pulumi/aws. */
const ARN_IS_ID: ReadonlySet<string> = new Set([
  "aws:ecs/service:Service",
  "aws:iam/policy:Policy",
  "aws:secretsmanager/secret:Secret",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listener:Listener",
  "aws:lb/listenerRule:ListenerRule",
]);

const ID_PREFIXES: Readonly<Record<string, string>> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/flowLog:FlowLog": "fl",
};

export function shortHash(text: string, length = 17): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function physicalName(name: string, inputs: Record<string, unknown>): string {
  for (const key of [
    "name",
    "bucket",
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

export function uuidFrom(text: string): string {
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

/** The last `/` segment of an ARN input (a cluster's name in its ARN), or the input itself. */
function lastSegment(value: unknown): string {
  return (
    String(value ?? "")
      .split("/")
      .at(-1) ?? ""
  );
}

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
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { arn: `${arnBase}:alarm:${physical}`, name: physical };
    case "aws:sns/topic:Topic":
      return { arn: `${arnBase}:${physical}`, name: physical };
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      return {
        arn: `arn:aws:s3:::${physical}`,
        bucket: physical,
        bucketDomainName: `${physical}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com`,
        region,
      };
    case "aws:acm/certificate:Certificate": {
      // ACM asks for one CNAME per domain name to prove control of it (DNS validation).
      const domain = String(inputs["domainName"] ?? physical);
      return {
        arn: `arn:aws:acm:${region}:${PLAN_ACCOUNT_ID}:certificate/${uuidFrom(physical)}`,
        domainValidationOptions: [
          {
            domainName: domain,
            resourceRecordName: `_${shortHash(`${domain}::name`, 32)}.${domain}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_${shortHash(`${domain}::value`, 32)}.acm-validations.aws.`,
          },
        ],
      };
    }
    case "aws:route53/record:Record":
      return { fqdn: String(inputs["name"] ?? physical).replace(/\.$/, "") };
    case "aws:ec2/flowLog:FlowLog":
      return { arn: `arn:aws:ec2:${region}:${PLAN_ACCOUNT_ID}:vpc-flow-log/${id}` };
    case "aws:ecr/repository:Repository":
      return {
        ...common,
        arn: `${arnBase}:repository/${physical}`,
        registryId: PLAN_ACCOUNT_ID,
        repositoryUrl: `${PLAN_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${physical}`,
      };
    case "aws:ecs/service:Service":
      // ECS service ARNs name their cluster: service/<cluster-name>/<service-name>.
      return { ...common, arn: `${arnBase}:service/${lastSegment(inputs["cluster"])}/${physical}` };
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
    case "aws:lb/listener:Listener": {
      // listener/app/<load-balancer-name>/<load-balancer-id>/<listener-id>, under its load balancer.
      const balancer = String(inputs["loadBalancerArn"] ?? `${arnBase}:loadbalancer/app/${name}/0`);
      return { arn: `${balancer.replace(":loadbalancer/", ":listener/")}/${shortHash(name, 16)}` };
    }
    case "aws:lb/listenerRule:ListenerRule": {
      // listener-rule/app/<load-balancer-name>/<load-balancer-id>/<listener-id>/<rule-id>.
      const listener = String(inputs["listenerArn"] ?? `${arnBase}:listener/app/${name}/0/0`);
      return { arn: `${listener.replace(":listener/", ":listener-rule/")}/${shortHash(name, 16)}` };
    }
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
