import type { Plan, PlanResource } from "./types.js";

type Inputs = Readonly<Record<string, unknown>>;

/** Reads a dotted path (`networkConfiguration.assignPublicIp`) out of nested inputs. */
function at(inputs: unknown, path: string): unknown {
  let value = inputs;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map(show).join("+");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** `label=value` for each path that is set, e.g. fields(i, ["class", "instanceClass"]) → "class=db.t3.micro". */
function fields(inputs: Inputs, pairs: readonly (readonly [label: string, path: string])[]): string[] {
  return pairs.flatMap(([label, path]) => {
    const value = at(inputs, path);
    return value === undefined || value === null || value === "" ? [] : [`${label}=${show(value)}`];
  });
}

/** "kms" when the resource names a customer key, for the encryption column at a glance. */
function kms(inputs: Inputs, path: string): string[] {
  return at(inputs, path) === undefined ? [] : [`kms=${short(show(at(inputs, path)))}`];
}

/** ARNs are long; the last segment says which resource it is. */
function short(text: string): string {
  return text.startsWith("arn:")
    ? `…${
        text
          .slice(text.lastIndexOf(":") + 1)
          .split("/")
          .slice(-1)[0]
      }`
    : text;
}

function ingress(rules: unknown): string[] {
  if (!Array.isArray(rules)) return [];
  return rules.map((rule: Record<string, unknown>) => {
    const sources = [
      rule["cidrBlocks"],
      rule["ipv6CidrBlocks"],
      rule["securityGroups"],
      rule["self"] ? "self" : undefined,
    ]
      .flat()
      .filter((source) => source !== undefined && source !== null);
    return `in ${show(rule["protocol"])}/${show(rule["fromPort"])}-${show(rule["toPort"])} from ${sources.map((s) => short(show(s))).join(",") || "-"}`;
  });
}

function containers(inputs: Inputs): string[] {
  const raw = inputs["containerDefinitions"];
  if (typeof raw !== "string") return [];
  try {
    const list = JSON.parse(raw) as {
      name?: string;
      command?: string[];
      portMappings?: { containerPort?: number }[];
    }[];
    return list.map(
      (c) =>
        `container ${c.name}${c.command ? `[${c.command.join(" ")}]` : ""}${c.portMappings?.length ? `:${c.portMappings.map((p) => p.containerPort).join(",")}` : ""}`,
    );
  } catch {
    return ["containers=(unparsed)"];
  }
}

/** The settings a reviewer looks at first, per type; other types show none. */
export const KEY_SETTINGS: Readonly<Record<string, (inputs: Inputs) => string[]>> = {
  "aws:ec2/vpc:Vpc": (i) =>
    fields(i, [
      ["cidr", "cidrBlock"],
      ["dnsHostnames", "enableDnsHostnames"],
    ]),
  "aws:ec2/subnet:Subnet": (i) =>
    fields(i, [
      ["cidr", "cidrBlock"],
      ["az", "availabilityZone"],
      ["publicIp", "mapPublicIpOnLaunch"],
    ]),
  "aws:ec2/route:Route": (i) =>
    fields(i, [
      ["dest", "destinationCidrBlock"],
      ["igw", "gatewayId"],
      ["nat", "natGatewayId"],
    ]),
  "aws:ec2/routeTable:RouteTable": (i) =>
    Array.isArray(i["routes"])
      ? i["routes"].map(
          (r: Inputs) => `route ${show(r["cidrBlock"])}→${show(r["gatewayId"] ?? r["natGatewayId"])}`,
        )
      : [],
  "aws:ec2/securityGroup:SecurityGroup": (i) => ingress(i["ingress"]),
  "aws:ec2/securityGroupRule:SecurityGroupRule": (i) =>
    fields(i, [
      ["type", "type"],
      ["proto", "protocol"],
      ["from", "fromPort"],
      ["to", "toPort"],
      ["cidr", "cidrBlocks"],
      ["sg", "sourceSecurityGroupId"],
    ]),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (i) =>
    fields(i, [
      ["proto", "ipProtocol"],
      ["from", "fromPort"],
      ["to", "toPort"],
      ["cidr", "cidrIpv4"],
      ["cidr6", "cidrIpv6"],
      ["sg", "referencedSecurityGroupId"],
    ]),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (i) =>
    fields(i, [
      ["proto", "ipProtocol"],
      ["from", "fromPort"],
      ["to", "toPort"],
      ["cidr", "cidrIpv4"],
      ["sg", "referencedSecurityGroupId"],
    ]),
  "aws:kms/key:Key": (i) =>
    fields(i, [
      ["rotation", "enableKeyRotation"],
      ["rotationDays", "rotationPeriodInDays"],
      ["deletionDays", "deletionWindowInDays"],
    ]),
  "aws:kms/alias:Alias": (i) => fields(i, [["name", "name"]]),
  "aws:kinesis/stream:Stream": (i) => [
    ...fields(i, [
      ["shards", "shardCount"],
      ["mode", "streamModeDetails.streamMode"],
      ["retentionH", "retentionPeriod"],
      ["encryption", "encryptionType"],
    ]),
    ...kms(i, "kmsKeyId"),
    ...fields(i, [["metrics", "shardLevelMetrics"]]),
  ],
  "aws:ecs/cluster:Cluster": (i) =>
    Array.isArray(i["settings"])
      ? i["settings"].map((s: Inputs) => `${show(s["name"])}=${show(s["value"])}`)
      : [],
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (i) =>
    Array.isArray(i["defaultCapacityProviderStrategies"])
      ? i["defaultCapacityProviderStrategies"].map(
          (s: Inputs) => `${show(s["capacityProvider"])}:w${show(s["weight"])}/b${show(s["base"] ?? 0)}`,
        )
      : [],
  "aws:ecs/service:Service": (i) => [
    ...fields(i, [
      ["desired", "desiredCount"],
      ["launch", "launchType"],
      ["publicIp", "networkConfiguration.assignPublicIp"],
      ["strategy", "deploymentConfiguration.strategy"],
      ["controller", "deploymentController.type"],
    ]),
    ...(Array.isArray(i["capacityProviderStrategies"])
      ? i["capacityProviderStrategies"].map(
          (s: Inputs) => `${show(s["capacityProvider"])}:w${show(s["weight"])}`,
        )
      : []),
  ],
  "aws:ecs/taskDefinition:TaskDefinition": (i) => [
    ...fields(i, [
      ["cpu", "cpu"],
      ["memory", "memory"],
      ["network", "networkMode"],
    ]),
    ...containers(i),
  ],
  "aws:rds/instance:Instance": (i) => [
    ...fields(i, [
      ["engine", "engine"],
      ["version", "engineVersion"],
      ["class", "instanceClass"],
      ["multiAz", "multiAz"],
      ["encrypted", "storageEncrypted"],
    ]),
    ...kms(i, "kmsKeyId"),
    ...fields(i, [
      ["backupDays", "backupRetentionPeriod"],
      ["public", "publiclyAccessible"],
      ["logs", "enabledCloudwatchLogsExports"],
      ["deletionProtection", "deletionProtection"],
      ["skipFinalSnapshot", "skipFinalSnapshot"],
    ]),
  ],
  "aws:rds/cluster:Cluster": (i) => [
    ...fields(i, [
      ["engine", "engine"],
      ["version", "engineVersion"],
      ["encrypted", "storageEncrypted"],
    ]),
    ...kms(i, "kmsKeyId"),
    ...fields(i, [
      ["backupDays", "backupRetentionPeriod"],
      ["logs", "enabledCloudwatchLogsExports"],
      ["azs", "availabilityZones"],
      ["deletionProtection", "deletionProtection"],
    ]),
  ],
  "aws:rds/clusterInstance:ClusterInstance": (i) =>
    fields(i, [
      ["class", "instanceClass"],
      ["az", "availabilityZone"],
      ["promotionTier", "promotionTier"],
      ["public", "publiclyAccessible"],
    ]),
  "aws:elasticache/replicationGroup:ReplicationGroup": (i) => [
    ...fields(i, [
      ["engine", "engine"],
      ["version", "engineVersion"],
      ["node", "nodeType"],
      ["nodes", "numCacheClusters"],
      ["atRest", "atRestEncryptionEnabled"],
    ]),
    ...kms(i, "kmsKeyId"),
    ...fields(i, [
      ["transit", "transitEncryptionEnabled"],
      ["authToken", "authToken"],
      ["failover", "automaticFailoverEnabled"],
      ["multiAz", "multiAzEnabled"],
    ]),
  ],
  "aws:secretsmanager/secret:Secret": (i) => [...fields(i, [["name", "name"]]), ...kms(i, "kmsKeyId")],
  "aws:secretsmanager/secretRotation:SecretRotation": (i) =>
    fields(i, [
      ["days", "rotationRules.automaticallyAfterDays"],
      ["schedule", "rotationRules.scheduleExpression"],
    ]),
  "aws:ecr/repository:Repository": (i) => [
    ...fields(i, [
      ["scanOnPush", "imageScanningConfiguration.scanOnPush"],
      ["tags", "imageTagMutability"],
      ["encryption", "encryptionConfigurations.0.encryptionType"],
    ]),
    ...kms(i, "encryptionConfigurations.0.kmsKey"),
  ],
  "aws:cloudwatch/logGroup:LogGroup": (i) => [
    ...fields(i, [
      ["name", "name"],
      ["retentionDays", "retentionInDays"],
    ]),
    ...kms(i, "kmsKeyId"),
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": (i) =>
    fields(i, [
      ["metric", "metricName"],
      ["stat", "statistic"],
      ["op", "comparisonOperator"],
      ["threshold", "threshold"],
      ["periods", "evaluationPeriods"],
    ]),
  "aws:lb/loadBalancer:LoadBalancer": (i) =>
    fields(i, [
      ["type", "loadBalancerType"],
      ["internal", "internal"],
      ["dropInvalidHeaders", "dropInvalidHeaderFields"],
    ]),
  "aws:lb/targetGroup:TargetGroup": (i) =>
    fields(i, [
      ["port", "port"],
      ["target", "targetType"],
      ["health", "healthCheck.path"],
      ["deregistrationS", "deregistrationDelay"],
    ]),
  "aws:lb/listener:Listener": (i) =>
    fields(i, [
      ["port", "port"],
      ["proto", "protocol"],
      ["action", "defaultActions.0.type"],
    ]),
  "aws:wafv2/webAcl:WebAcl": (i) =>
    Array.isArray(i["rules"])
      ? i["rules"].map((r: Inputs) =>
          `rule ${show(r["name"])} ${fields(r, [
            ["limit", "statement.rateBasedStatement.limit"],
            ["windowS", "statement.rateBasedStatement.evaluationWindowSec"],
          ]).join(" ")}`.trim(),
        )
      : [],
  "aws:appautoscaling/target:Target": (i) =>
    fields(i, [
      ["min", "minCapacity"],
      ["max", "maxCapacity"],
    ]),
  "aws:appautoscaling/policy:Policy": (i) => [
    ...fields(i, [
      ["target", "targetTrackingScalingPolicyConfiguration.targetValue"],
      [
        "metric",
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
      ],
    ]),
    ...asList(
      at(i, "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metrics"),
    ).flatMap((metric) => {
      const name = at(metric, "metricStat.metric.metricName") ?? at(metric, "expression");
      return name === undefined ? [] : [`${show(at(metric, "id"))}=${show(name)}`];
    }),
  ],
  "aws:ssm/parameter:Parameter": (i) => [
    ...fields(i, [
      ["name", "name"],
      ["type", "type"],
    ]),
    ...kms(i, "keyId"),
  ],
  "aws:sns/topic:Topic": (i) => kms(i, "kmsMasterKeyId"),
  "aws:iam/role:Role": (i) => {
    try {
      const trust = JSON.parse(String(i["assumeRolePolicy"])) as { Statement?: { Principal?: unknown }[] };
      return [`trusts ${(trust.Statement ?? []).map((s) => show(s.Principal)).join(",")}`];
    } catch {
      return [];
    }
  },
};

export function keySettings(resource: PlanResource): string {
  return (KEY_SETTINGS[resource.type]?.(resource.inputs) ?? []).join(" ");
}

/** Resources as a tree (children indented under their component), then a count per type. */
export function formatPlanTable(plan: Plan): string {
  const children = new Map<string | null, PlanResource[]>();
  const urns = new Set(plan.resources.map((resource) => resource.urn));
  for (const resource of plan.resources) {
    const parent = resource.parent !== null && urns.has(resource.parent) ? resource.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }
  const rows: [string, string, string][] = [];
  const visit = (parent: string | null, depth: number): void => {
    for (const resource of children.get(parent) ?? []) {
      rows.push([resource.type, `${"  ".repeat(depth)}${resource.name}`, keySettings(resource)]);
      visit(resource.urn, depth + 1);
    }
  };
  visit(null, 0);

  const typeWidth = Math.max(4, ...rows.map((row) => row[0].length));
  const nameWidth = Math.max(4, ...rows.map((row) => row[1].length));
  const line = (cells: [string, string, string]) =>
    `${cells[0].padEnd(typeWidth)}  ${cells[1].padEnd(nameWidth)}  ${cells[2]}`.trimEnd();
  const counts = new Map<string, number>();
  for (const resource of plan.resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  const byCount = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const custom = plan.resources.filter((resource) => resource.custom).length;

  return [
    `Stack ${plan.stack} (project ${plan.project}): ${plan.resources.length} resources (${custom} AWS/provider, ${plan.resources.length - custom} components)`,
    "",
    line(["TYPE", "NAME", "KEY SETTINGS"]),
    ...rows.map(line),
    "",
    "COUNT  TYPE",
    ...byCount.map(([type, count]) => `${String(count).padStart(5)}  ${type}`),
    "",
    "OUTPUTS",
    ...Object.entries(plan.outputs).map(
      ([key, value]) => `  ${key} = ${typeof value === "string" ? value : JSON.stringify(value)}`,
    ),
    ...(plan.warnings.length > 0 ? ["", "WARNINGS", ...plan.warnings.map((warning) => `  ${warning}`)] : []),
  ].join("\n");
}
