import type { PlanResource } from "../plan/types.js";
import { asArray, asRecord, type ResourceGraph } from "./graph.js";

export const SECURITY_GROUP_TYPES = [
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
];
const RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** One ingress permission, whichever of the three ways AWS offers it was declared. */
export interface Ingress {
  /** The resource that declares it: the security group itself (inline rules) or a rule resource. */
  readonly declaredBy: PlanResource;
  /** The security groups it opens (empty when a rule names a group by a literal id the graph cannot link). */
  readonly groups: readonly PlanResource[];
  /** "tcp", "udp", "icmp", "-1"/"all"… as declared. */
  readonly protocol: string;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  /** IPv4 and IPv6 CIDR sources. */
  readonly cidrs: readonly string[];
  readonly prefixLists: readonly string[];
  /** Sources that are security groups (including `self`). */
  readonly securityGroupSources: number;
}

function port(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function strings(value: unknown): string[] {
  return asArray(value).filter((item): item is string => typeof item === "string" && item !== "");
}

/** Every ingress permission in the graph. */
export function allIngress(graph: ResourceGraph): Ingress[] {
  const inline = graph.ofType(...SECURITY_GROUP_TYPES).flatMap((group) =>
    asArray(group.inputs["ingress"]).map((raw): Ingress => {
      const rule = asRecord(raw);
      return {
        declaredBy: group,
        groups: [group],
        protocol: String(rule["protocol"]),
        fromPort: port(rule["fromPort"]),
        toPort: port(rule["toPort"]),
        cidrs: [...strings(rule["cidrBlocks"]), ...strings(rule["ipv6CidrBlocks"])],
        prefixLists: strings(rule["prefixListIds"]),
        securityGroupSources: strings(rule["securityGroups"]).length + (rule["self"] === true ? 1 : 0),
      };
    }),
  );
  const rules = graph
    .ofType(RULE_TYPE)
    .filter((rule) => rule.inputs["type"] === "ingress")
    .map(
      (rule): Ingress => ({
        declaredBy: rule,
        groups: graph.sourcesOf(rule, "securityGroupId", ...SECURITY_GROUP_TYPES),
        protocol: String(rule.inputs["protocol"]),
        fromPort: port(rule.inputs["fromPort"]),
        toPort: port(rule.inputs["toPort"]),
        cidrs: [...strings(rule.inputs["cidrBlocks"]), ...strings(rule.inputs["ipv6CidrBlocks"])],
        prefixLists: strings(rule.inputs["prefixListIds"]),
        securityGroupSources:
          strings(rule.inputs["sourceSecurityGroupId"]).length + (rule.inputs["self"] === true ? 1 : 0),
      }),
    );
  const ingressRules = graph.ofType(INGRESS_RULE_TYPE).map(
    (rule): Ingress => ({
      declaredBy: rule,
      groups: graph.sourcesOf(rule, "securityGroupId", ...SECURITY_GROUP_TYPES),
      protocol: String(rule.inputs["ipProtocol"]),
      fromPort: port(rule.inputs["fromPort"]),
      toPort: port(rule.inputs["toPort"]),
      cidrs: [...strings(rule.inputs["cidrIpv4"]), ...strings(rule.inputs["cidrIpv6"])],
      prefixLists: strings(rule.inputs["prefixListId"]),
      securityGroupSources: strings(rule.inputs["referencedSecurityGroupId"]).length,
    }),
  );
  return [...inline, ...rules, ...ingressRules];
}

/** "tcp 5432", "tcp 80-443", "all traffic". */
export function describePorts(ingress: Ingress): string {
  if (ingress.protocol === "-1" || ingress.protocol === "all") return "all traffic";
  const range =
    ingress.fromPort === ingress.toPort ? `${ingress.fromPort}` : `${ingress.fromPort}-${ingress.toPort}`;
  return `${ingress.protocol} ${range}`;
}

/** The security groups a resource is placed in, through `property` (vpcSecurityGroupIds, securityGroups…). */
export function securityGroupsOf(
  graph: ResourceGraph,
  resource: PlanResource,
  property: string,
): PlanResource[] {
  return graph.sourcesOf(resource, property, ...SECURITY_GROUP_TYPES);
}

const SUBNET_TYPE = "aws:ec2/subnet:Subnet";
const INTERNET_GATEWAY_TYPE = "aws:ec2/internetGateway:InternetGateway";

/**
 * A subnet is public when instances get public IPs there by default, or when its route table sends
 * traffic to an internet gateway (inline `routes` or separate `aws.ec2.Route` resources).
 */
export function isPublicSubnet(graph: ResourceGraph, subnet: PlanResource): boolean {
  if (subnet.inputs["mapPublicIpOnLaunch"] === true) return true;
  const tables = graph
    .consumersOf(subnet, "subnetId", "aws:ec2/routeTableAssociation:RouteTableAssociation")
    .flatMap((association) => graph.sourcesOf(association, "routeTableId", "aws:ec2/routeTable:RouteTable"));
  return tables.some(
    (table) =>
      graph.sourcesOf(table, "routes", INTERNET_GATEWAY_TYPE).length > 0 ||
      graph
        .consumersOf(table, "routeTableId", "aws:ec2/route:Route")
        .some((route) => graph.sourcesOf(route, "gatewayId", INTERNET_GATEWAY_TYPE).length > 0),
  );
}

/** Subnets a resource names through `property`, directly or through a subnet group. */
export function subnetsOf(graph: ResourceGraph, resource: PlanResource, property: string): PlanResource[] {
  return graph
    .sourcesOf(resource, property)
    .flatMap((source) =>
      source.type === SUBNET_TYPE ? [source] : graph.sourcesOf(source, "subnetIds", SUBNET_TYPE),
    );
}
