import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** A data store the tasks connect to: its port, reachable only inside its security group. */
export interface EgressTarget {
  readonly port: number;
  readonly securityGroupId: pulumi.Input<string>;
}

export interface ServiceEgressArgs {
  readonly naming: Naming;
  /** The tasks' security group (created with no egress rule of its own). */
  readonly securityGroupId: pulumi.Input<string>;
  readonly database: EgressTarget;
  /** Redis, when the stack has the status cache. */
  readonly cache: EgressTarget | undefined;
  /**
   * The service's own API port in its own group, on a stack with no load balancer: the API is reached
   * from inside the VPC there, and the one-off smoke task `npm run verify -- --smoke` starts (same
   * group, same subnets) must be able to connect to it.
   */
  readonly inVpcApi: EgressTarget | undefined;
}

/**
 * What the tasks may open, and nothing else:
 * - the database port to the database's security group, the Redis port to the cache's;
 * - TCP 443 to any address: ECR (image layers come from S3), CloudWatch Logs, Secrets Manager and SSM
 *   (the values ECS injects at task start), Kinesis, STS and RDS IAM token signing are public AWS
 *   endpoints reached through the NAT gateway. The VPC has no interface endpoints, so no fixed range
 *   covers them; HTTPS is the only protocol they speak.
 * Name resolution needs no rule: the VPC's Amazon-provided DNS resolver is not filtered by security
 * groups. The rules are separate resources (not inline) because the database and cache groups already
 * reference this group in their ingress: inline rules in both directions would be a dependency cycle.
 */
export function createServiceEgress(
  args: ServiceEgressArgs,
  parent: pulumi.Resource,
): aws.vpc.SecurityGroupEgressRule[] {
  const { naming } = args;
  const rule = (
    resource: string,
    description: string,
    target: Omit<aws.vpc.SecurityGroupEgressRuleArgs, "securityGroupId">,
  ) => {
    const name = resourceName(naming, resource);
    return new aws.vpc.SecurityGroupEgressRule(
      name,
      { securityGroupId: args.securityGroupId, description, tags: resourceTags(naming, name), ...target },
      { parent },
    );
  };
  const toGroup = (target: EgressTarget) => ({
    ipProtocol: "tcp",
    fromPort: target.port,
    toPort: target.port,
    referencedSecurityGroupId: target.securityGroupId,
  });
  const rules = [
    rule("service-egress-db", "Database", toGroup(args.database)),
    rule("service-egress-https", "AWS APIs and ECR over HTTPS (through the NAT gateway)", {
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }),
  ];
  if (args.cache) rules.push(rule("service-egress-redis", "Redis status cache", toGroup(args.cache)));
  if (args.inVpcApi)
    rules.push(
      rule(
        "service-egress-api",
        "The service's API, for in-VPC clients (smoke task)",
        toGroup(args.inVpcApi),
      ),
    );
  return rules;
}
