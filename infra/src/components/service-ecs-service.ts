import { CONTAINER_PORT } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { CONTAINER_NAMES } from "../containers.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";
import { dependsOnList, type ServicePrerequisites } from "./service-prerequisites.js";

/** Seconds ECS ignores target health after a task starts (the API is ready within a few seconds). */
export const HEALTH_CHECK_GRACE_SECONDS = 60;

export interface EcsServiceArgs {
  readonly naming: Naming;
  readonly clusterArn: pulumi.Input<string>;
  readonly taskDefinitionArn: pulumi.Input<string>;
  readonly desiredCount: number;
  readonly capacityProviderStrategies: { capacityProvider: string; weight: number; base: number }[];
  readonly privateSubnetIds: pulumi.Input<string[]>;
  readonly securityGroupId: pulumi.Input<string>;
  /** ALB wiring; absent: no load balancer. `blueGreen` present: ECS native BLUE_GREEN. */
  readonly loadBalancer:
    | {
        readonly targetGroupArn: pulumi.Input<string>;
        readonly blueGreen:
          | {
              readonly alternateTargetGroupArn: pulumi.Input<string>;
              readonly productionListenerRuleArn: pulumi.Input<string>;
              readonly infrastructureRoleArn: pulumi.Input<string>;
              readonly bakeTimeMinutes: number;
            }
          | undefined;
      }
    | undefined;
  /** Names of the alarms that fail and roll back a deployment. */
  readonly deploymentAlarmNames: pulumi.Input<string>[];
  /** Autoscaling owns the task count once the service exists. */
  readonly autoscaled: boolean;
  readonly prerequisites: ServicePrerequisites;
}

/**
 * The ECS service. Failed deployments roll back by themselves, on both deployment types: the
 * deployment circuit breaker (tasks that never reach steady state) and the deployment alarms. AWS
 * documents both methods for rolling and blue/green deployments ("Amazon ECS deployment failure
 * detection", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html);
 * the API reference's "rolling update (ECS) deployment type" names the ECS deployment controller,
 * which native BLUE_GREEN uses too (not CODE_DEPLOY or EXTERNAL).
 */
export function createEcsService(args: EcsServiceArgs, parent: pulumi.Resource): aws.ecs.Service {
  const { naming } = args;
  const lb = args.loadBalancer;
  const blueGreen = lb?.blueGreen;
  const serviceName = resourceName(naming, "service");
  return new aws.ecs.Service(
    serviceName,
    {
      name: serviceName,
      cluster: args.clusterArn,
      taskDefinition: args.taskDefinitionArn,
      desiredCount: args.desiredCount,
      capacityProviderStrategies: args.capacityProviderStrategies,
      networkConfiguration: {
        subnets: args.privateSubnetIds,
        securityGroups: [args.securityGroupId],
        assignPublicIp: false,
      },
      deploymentConfiguration: blueGreen
        ? { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(blueGreen.bakeTimeMinutes) }
        : { strategy: "ROLLING" },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { alarmNames: args.deploymentAlarmNames, enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      loadBalancers: lb
        ? [
            {
              targetGroupArn: lb.targetGroupArn,
              containerName: CONTAINER_NAMES.serve,
              containerPort: CONTAINER_PORT,
              advancedConfiguration: blueGreen
                ? {
                    alternateTargetGroupArn: blueGreen.alternateTargetGroupArn,
                    productionListenerRule: blueGreen.productionListenerRuleArn,
                    roleArn: blueGreen.infrastructureRoleArn,
                  }
                : undefined,
            },
          ]
        : [],
      healthCheckGracePeriodSeconds: lb ? HEALTH_CHECK_GRACE_SECONDS : undefined,
      enableExecuteCommand: false,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      waitForSteadyState: false,
      tags: resourceTags(naming, serviceName),
    },
    {
      parent,
      dependsOn: dependsOnList(args.prerequisites),
      ignoreChanges: args.autoscaled ? ["desiredCount"] : [],
    },
  );
}
