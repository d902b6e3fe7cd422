import { PENDING_ORDERS_METRIC } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface ServiceAutoscaling {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Target average CPU %. */
  readonly cpuTargetPercent: number;
  /** Target pending orders per running task. */
  readonly pendingOrdersPerTask: number;
}

/** Target tracking on the service's DesiredCount: CPU, and pending orders per running task. */
export function createAutoscaling(
  naming: Naming,
  service: { readonly clusterName: pulumi.Input<string>; readonly serviceName: pulumi.Input<string> },
  scaling: ServiceAutoscaling,
  parent: pulumi.Resource,
): aws.appautoscaling.Target {
  const targetName = resourceName(naming, "scaling-target");
  const target = new aws.appautoscaling.Target(
    targetName,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${service.clusterName}/${service.serviceName}`,
      minCapacity: scaling.minCapacity,
      maxCapacity: scaling.maxCapacity,
      tags: resourceTags(naming, targetName),
    },
    { parent },
  );
  const policy = (
    resource: string,
    configuration: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
  ) =>
    new aws.appautoscaling.Policy(
      resourceName(naming, resource),
      {
        name: resourceName(naming, resource),
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: configuration,
      },
      { parent },
    );
  policy("cpu-scaling", {
    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
    targetValue: scaling.cpuTargetPercent,
    scaleInCooldown: 120,
    scaleOutCooldown: 60,
  });
  // Backlog per task: every task reports the same stack-wide PendingOrders figure, so its maximum
  // divided by the running task count is the load each task carries; target tracking keeps it near
  // the target (AWS's "backlog per instance" pattern).
  policy("pending-orders-scaling", {
    customizedMetricSpecification: {
      metrics: [
        {
          id: "pending",
          label: "Pending orders",
          returnData: false,
          metricStat: {
            stat: "Maximum",
            metric: {
              namespace: PENDING_ORDERS_METRIC.namespace,
              metricName: PENDING_ORDERS_METRIC.name,
              dimensions: [{ name: PENDING_ORDERS_METRIC.dimension, value: naming.environmentSuffix }],
            },
          },
        },
        {
          id: "tasks",
          label: "Running tasks",
          returnData: false,
          metricStat: {
            stat: "Average",
            metric: {
              namespace: "ECS/ContainerInsights",
              metricName: "RunningTaskCount",
              dimensions: [
                { name: "ClusterName", value: service.clusterName },
                { name: "ServiceName", value: service.serviceName },
              ],
            },
          },
        },
        {
          id: "pendingPerTask",
          label: "Pending orders per task",
          expression: "pending / IF(tasks < 1, 1, tasks)",
          returnData: true,
        },
      ],
    },
    targetValue: scaling.pendingOrdersPerTask,
    scaleInCooldown: 300,
    scaleOutCooldown: 60,
  });
  return target;
}
