import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** Managed policy AWS documents for the ECS infrastructure role of blue/green deployments. */
export const ECS_LOAD_BALANCER_INFRA_POLICY =
  "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers";

/**
 * The trust policy of the "Amazon ECS infrastructure IAM role for load balancers", exactly as AWS
 * documents it (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html):
 * ecs.amazonaws.com may assume the role, with no further condition.
 */
export const ECS_INFRASTRUCTURE_TRUST_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AllowAccessToECSForInfrastructureManagement",
      Effect: "Allow",
      Principal: { Service: "ecs.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ],
} as const;

export interface InfrastructureRoleParts {
  readonly role: aws.iam.Role;
  /** ECS assumes the role during the first blue/green deployment: the permissions must be attached by then. */
  readonly policyAttachment: aws.iam.RolePolicyAttachment;
}

/** The role ECS native blue/green uses to shift listener-rule weights between the target groups. */
export function createInfrastructureRole(naming: Naming, parent: pulumi.Resource): InfrastructureRoleParts {
  const name = resourceName(naming, "ecs-infra-role");
  const role = new aws.iam.Role(
    name,
    {
      name,
      assumeRolePolicy: JSON.stringify(ECS_INFRASTRUCTURE_TRUST_POLICY),
      tags: resourceTags(naming, name),
    },
    { parent },
  );
  const policyAttachment = new aws.iam.RolePolicyAttachment(
    name,
    { role: role.name, policyArn: ECS_LOAD_BALANCER_INFRA_POLICY },
    { parent },
  );
  return { role, policyAttachment };
}
