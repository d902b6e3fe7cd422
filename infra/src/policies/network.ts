import type { PlanResource } from "../plan/types.js";
import { type ResourceGraph, type Rule, ViolationList, valueAt } from "./graph.js";
import { allIngress, describePorts, isPublicSubnet, securityGroupsOf, subnetsOf } from "./network-model.js";

/** Where each kind of data store names its security groups, subnets and public-access flag. */
const DATA_STORE_PLACEMENT: readonly {
  readonly type: string;
  readonly securityGroups?: string;
  readonly subnets: string;
  readonly publicFlag?: string;
}[] = [
  {
    type: "aws:rds/instance:Instance",
    securityGroups: "vpcSecurityGroupIds",
    subnets: "dbSubnetGroupName",
    publicFlag: "publiclyAccessible",
  },
  { type: "aws:rds/cluster:Cluster", securityGroups: "vpcSecurityGroupIds", subnets: "dbSubnetGroupName" },
  // Cluster instances sit in the cluster's security groups; their own flag decides public DNS/IP.
  {
    type: "aws:rds/clusterInstance:ClusterInstance",
    subnets: "dbSubnetGroupName",
    publicFlag: "publiclyAccessible",
  },
  {
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    securityGroups: "securityGroupIds",
    subnets: "subnetGroupName",
  },
];

export const dataStoresPrivate: Rule = {
  name: "data-stores-private",
  description:
    "No data store is reachable from outside the VPC: not publicly accessible, in private subnets of this stack, " +
    "and its security groups admit traffic only from other security groups (no CIDR or prefix-list sources).",
  check(graph) {
    const found = new ViolationList("data-stores-private");
    const ingress = allIngress(graph);
    for (const placement of DATA_STORE_PLACEMENT) {
      for (const store of graph.ofType(placement.type)) {
        if (placement.publicFlag !== undefined && store.inputs[placement.publicFlag] === true) {
          found.report(
            store,
            `sets ${placement.publicFlag} = true; data stores must not have a public endpoint`,
          );
        }
        const subnets = subnetsOf(graph, store, placement.subnets);
        const clusterMember = placement.type === "aws:rds/clusterInstance:ClusterInstance";
        if (subnets.length === 0 && !clusterMember) {
          found.report(
            store,
            `names no subnet group of this stack in ${placement.subnets}, so AWS would place it in the default VPC`,
          );
        }
        for (const subnet of subnets.filter((candidate) => isPublicSubnet(graph, candidate))) {
          found.report(store, `is placed in the public subnet ${subnet.name}`);
        }
        if (placement.securityGroups === undefined) continue;
        const groups = securityGroupsOf(graph, store, placement.securityGroups);
        if (groups.length === 0) {
          found.report(
            store,
            `is in no security group of this stack (${placement.securityGroups}), so it would get the VPC's default group`,
          );
        }
        for (const group of groups) {
          for (const rule of ingress.filter((candidate) => candidate.groups.includes(group))) {
            const sources = [...rule.cidrs, ...rule.prefixLists];
            if (sources.length > 0) {
              found.report(
                store,
                `is reachable through security group ${group.name}, whose ingress (${describePorts(rule)}, declared by ${rule.declaredBy.name}) ` +
                  `admits ${sources.join(", ")}; a data store admits only security groups`,
              );
            }
          }
        }
      }
    }
    return found.violations;
  },
};

const OPEN_TO_WORLD = new Set(["0.0.0.0/0", "::/0"]);
const WEB_PORTS = new Set([80, 443]);

/** Security groups of internet-facing application load balancers: the only groups the internet may reach. */
function internetFacingAlbGroups(graph: ResourceGraph): Set<PlanResource> {
  return new Set(
    graph
      .ofType("aws:lb/loadBalancer:LoadBalancer")
      .filter(
        (lb) =>
          (lb.inputs["loadBalancerType"] ?? "application") === "application" &&
          lb.inputs["internal"] !== true,
      )
      .flatMap((lb) => securityGroupsOf(graph, lb, "securityGroups")),
  );
}

export const noOpenIngress: Rule = {
  name: "no-open-ingress",
  description:
    "No security group admits 0.0.0.0/0 or ::/0, except the internet-facing ALB's group on TCP 80 and 443 (each port on its own).",
  check(graph) {
    const found = new ViolationList("no-open-ingress");
    const albGroups = internetFacingAlbGroups(graph);
    for (const rule of allIngress(graph)) {
      const open = rule.cidrs.filter((cidr) => OPEN_TO_WORLD.has(cidr));
      if (open.length === 0) continue;
      const webPort =
        rule.protocol === "tcp" && rule.fromPort === rule.toPort && WEB_PORTS.has(rule.fromPort as number);
      const onAlb = rule.groups.length > 0 && rule.groups.every((group) => albGroups.has(group));
      if (webPort && onAlb) continue;
      const target =
        rule.groups.map((group) => group.name).join(", ") || "a security group the graph cannot identify";
      found.report(
        rule.declaredBy,
        `opens ${target} to ${open.join(" and ")} on ${describePorts(rule)}; ` +
          (onAlb
            ? "the ALB may be open to the internet on TCP 80 and 443 only"
            : "only an internet-facing ALB's security group may be open to the internet"),
      );
    }
    return found.violations;
  },
};

export const tasksWithoutPublicIp: Rule = {
  name: "tasks-without-public-ip",
  description:
    "ECS services and task sets assign no public IP (assignPublicIp false) and run in private subnets.",
  check(graph) {
    const found = new ViolationList("tasks-without-public-ip");
    for (const service of graph.ofType("aws:ecs/service:Service", "aws:ecs/taskSet:TaskSet")) {
      if (valueAt(service.inputs, "networkConfiguration.assignPublicIp") === true) {
        found.report(
          service,
          "sets networkConfiguration.assignPublicIp = true; tasks must not have public IPs",
        );
      }
      for (const subnet of subnetsOf(graph, service, "networkConfiguration").filter((s) =>
        isPublicSubnet(graph, s),
      )) {
        found.report(
          service,
          `runs tasks in the public subnet ${subnet.name}; tasks belong in private subnets`,
        );
      }
    }
    return found.violations;
  },
};
