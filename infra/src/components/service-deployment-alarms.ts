import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** A target group the service's tasks register in, with its ALB metric dimension. */
export interface AlarmedTargetGroup {
  /** `blue` or `green`: part of the alarm name. */
  readonly color: string;
  /** `targetgroup/<name>/<id>`: the TargetGroup dimension. */
  readonly arnSuffix: pulumi.Input<string>;
}

export interface DeploymentAlarmsArgs {
  readonly naming: Naming;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  /** Container Insights publishes RunningTaskCount/DesiredTaskCount; without it that alarm is left out. */
  readonly containerInsights: boolean;
  /** Stream mode: roll back when the workers stop keeping up with the stream. */
  readonly stream:
    | {
        readonly name: pulumi.Input<string>;
        /** GetRecords.IteratorAgeMilliseconds maximum that fails a deployment. */
        readonly iteratorAgeMs: number;
      }
    | undefined;
  /** With an ALB: the 5xx-rate and unhealthy-target alarms. */
  readonly loadBalancer:
    | {
        /** `app/<name>/<id>`: the LoadBalancer dimension. */
        readonly arnSuffix: pulumi.Input<string>;
        readonly targetGroups: readonly AlarmedTargetGroup[];
        /** Roll back when 5xx (target and load balancer) exceed this share of requests. */
        readonly http5xxRatePercent: number;
      }
    | undefined;
}

/**
 * The alarms ECS watches during a deployment (`alarms` with rollback on the service): when one goes to
 * ALARM while a deployment is in progress (blue/green: until the bake time ends), ECS marks the
 * deployment failed and rolls back to the last completed one. Each shows a bad revision:
 * - running tasks below desired for 5 minutes: new tasks crash or fail their container health checks;
 * - unhealthy targets in a target group for 2 minutes: the readiness check (`/ready`, which fails when
 *   the database refuses the credentials) fails behind the ALB;
 * - 5xx above the configured share of requests: the revision serves errors;
 * - (stream mode) the stream's iterator age above its threshold for 3 minutes: the new workers do not
 *   consume (cannot reach the database, crash on every batch) although their liveness checks pass.
 * ECS keeps watching them for a bake time after the old revision has scaled in, computed from the
 * alarms' periods ("How CloudWatch alarms detect Amazon ECS deployment failures",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html), so a
 * revision that fails only once it carries the load is still rolled back.
 * They are deployment guards, not pages: the operational alarms (with notifications) are in Monitoring.
 */
export function createDeploymentAlarms(
  args: DeploymentAlarmsArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm[] {
  const { naming } = args;
  const alarm = (resource: string, settings: Omit<aws.cloudwatch.MetricAlarmArgs, "name">) => {
    const name = resourceName(naming, resource);
    return new aws.cloudwatch.MetricAlarm(
      name,
      { name, treatMissingData: "notBreaching", tags: resourceTags(naming, name), ...settings },
      { parent },
    );
  };
  const alarms: aws.cloudwatch.MetricAlarm[] = [];
  if (args.containerInsights) {
    const taskMetric = (id: string, metricName: string) => ({
      id,
      returnData: false,
      metric: {
        namespace: "ECS/ContainerInsights",
        metricName,
        dimensions: { ClusterName: args.clusterName, ServiceName: args.serviceName },
        period: 60,
        stat: "Average",
      },
    });
    alarms.push(
      alarm("deploy-tasks-below-desired", {
        alarmDescription:
          "Deployment guard: fewer tasks running than desired (new tasks crash or fail health checks)",
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        metricQueries: [
          taskMetric("running", "RunningTaskCount"),
          taskMetric("desired", "DesiredTaskCount"),
          {
            id: "missing",
            label: "Desired minus running tasks",
            expression: "desired - running",
            returnData: true,
          },
        ],
      }),
    );
  }
  if (args.stream) {
    alarms.push(
      alarm("deploy-stream-lag", {
        alarmDescription: "Deployment guard: the workers fall behind the order stream",
        namespace: "AWS/Kinesis",
        metricName: "GetRecords.IteratorAgeMilliseconds",
        dimensions: { StreamName: args.stream.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: args.stream.iteratorAgeMs,
        comparisonOperator: "GreaterThanThreshold",
      }),
    );
  }
  const lb = args.loadBalancer;
  if (lb) {
    for (const group of lb.targetGroups) {
      alarms.push(
        alarm(`deploy-unhealthy-${group.color}`, {
          alarmDescription: `Deployment guard: ${group.color} target group has targets failing the readiness check`,
          namespace: "AWS/ApplicationELB",
          metricName: "UnHealthyHostCount",
          dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: group.arnSuffix },
          statistic: "Maximum",
          period: 60,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      );
    }
    const albMetric = (id: string, metricName: string) => ({
      id,
      returnData: false,
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions: { LoadBalancer: lb.arnSuffix },
        period: 60,
        stat: "Sum",
      },
    });
    alarms.push(
      alarm("deploy-5xx-rate", {
        alarmDescription:
          "Deployment guard: share of requests answered 5xx (by the targets or the ALB) is high",
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        threshold: lb.http5xxRatePercent,
        comparisonOperator: "GreaterThanThreshold",
        metricQueries: [
          albMetric("target5xx", "HTTPCode_Target_5XX_Count"),
          albMetric("elb5xx", "HTTPCode_ELB_5XX_Count"),
          albMetric("requests", "RequestCount"),
          {
            id: "rate",
            label: "5xx (% of requests)",
            expression: "IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)",
            returnData: true,
          },
        ],
      }),
    );
  }
  return alarms;
}
