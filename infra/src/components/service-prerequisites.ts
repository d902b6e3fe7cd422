import type * as pulumi from "@pulumi/pulumi";

/**
 * Everything AWS needs to exist before the ECS service is created or deployed, each with the reason.
 * Most of these reach the service only through other resources (or not at all: alarm names are plain
 * strings), so Pulumi would create them in parallel with it; the service lists them in `dependsOn`.
 * `Service.prerequisites` holds the resources under these keys, and the plan test checks the ECS
 * service's `dependsOn` against it.
 */
export const SERVICE_PREREQUISITES = {
  capacityProviders: {
    type: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    why: "ECS rejects a capacity provider strategy naming a provider the cluster does not have yet",
  },
  logGroup: {
    type: "aws:cloudwatch/logGroup:LogGroup",
    why: "the awslogs driver fails a task whose log group does not exist",
  },
  executionRolePolicy: {
    type: "aws:iam/rolePolicy:RolePolicy",
    why: "the ECS agent pulls the image, reads the injected secrets and writes logs with it at task start",
  },
  taskRolePolicy: {
    type: "aws:iam/rolePolicy:RolePolicy",
    why: "the containers connect to the database (rds-db:connect) and the stream as soon as they start",
  },
  egressRules: {
    type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    why: "the tasks' security group has no other egress: without these a task cannot pull its image",
  },
  deploymentAlarms: {
    type: "aws:cloudwatch/metricAlarm:MetricAlarm",
    why: "the service names them for deployment rollback; a name without an alarm would never fire",
  },
  listener: {
    type: "aws:lb/listener:Listener",
    why: "ECS registers tasks only in a target group that a load balancer listener uses",
  },
  productionListenerRule: {
    type: "aws:lb/listenerRule:ListenerRule",
    why: "blue/green shifts traffic by rewriting this rule's weights",
  },
  blueTargetGroup: {
    type: "aws:lb/targetGroup:TargetGroup",
    why: "the service registers its tasks in it",
  },
  greenTargetGroup: {
    type: "aws:lb/targetGroup:TargetGroup",
    why: "blue/green: the alternate target group a new revision starts in",
  },
  infrastructureRole: {
    type: "aws:iam/role:Role",
    why: "blue/green: the role ECS assumes to shift traffic between the target groups",
  },
  infrastructureRolePolicy: {
    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    why: "blue/green: ECS assumes the infrastructure role to modify the listener rule; it needs its policy",
  },
} as const;

export type ServicePrerequisiteKey = keyof typeof SERVICE_PREREQUISITES;

/** The prerequisites of one service (keys whose feature the stack does not have are absent). */
export type ServicePrerequisites = Partial<
  Record<ServicePrerequisiteKey, pulumi.Resource | pulumi.Resource[]>
>;

/** The `dependsOn` list of the ECS service, in the order of `SERVICE_PREREQUISITES`. */
export function dependsOnList(prerequisites: ServicePrerequisites): pulumi.Resource[] {
  return (Object.keys(SERVICE_PREREQUISITES) as ServicePrerequisiteKey[]).flatMap((key) => {
    const entry = prerequisites[key];
    return entry === undefined ? [] : Array.isArray(entry) ? entry : [entry];
  });
}
