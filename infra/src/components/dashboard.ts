import { PENDING_ORDERS_METRIC, QUARANTINED_RECORDS_METRIC } from "@fastcart/service/contract";
import type * as pulumi from "@pulumi/pulumi";

export interface DashboardSources {
  readonly region: string;
  /** The Environment dimension of the service's own metrics. */
  readonly environment: string;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  readonly database: { readonly dimension: string; readonly identifier: pulumi.Input<string> };
  readonly streamName?: pulumi.Input<string>;
  readonly loadBalancerArnSuffix?: pulumi.Input<string>;
  /** ElastiCache member clusters (`<replication group>-001`, …): the CacheClusterId dimension. */
  readonly cacheClusterIds?: readonly pulumi.Input<string>[];
}

type Metric = readonly unknown[];

/**
 * The widgets of the stack dashboard, in a two-column grid, for whatever the stack has: ECS, the
 * service's pending-orders and quarantined-records metrics, the database, then the ALB, the order
 * stream and Redis when they exist.
 */
export function dashboardWidgets(s: DashboardSources): unknown[] {
  const panels: { title: string; metrics: Metric[] }[] = [];
  const ecs = ["ClusterName", s.clusterName, "ServiceName", s.serviceName] as const;
  panels.push({
    title: "ECS service CPU and memory",
    metrics: [
      ["AWS/ECS", "CPUUtilization", ...ecs],
      ["AWS/ECS", "MemoryUtilization", ...ecs],
    ],
  });
  panels.push({
    title: "Pending orders and running tasks",
    metrics: [
      [
        PENDING_ORDERS_METRIC.namespace,
        PENDING_ORDERS_METRIC.name,
        PENDING_ORDERS_METRIC.dimension,
        s.environment,
        { stat: "Maximum" },
      ],
      ["ECS/ContainerInsights", "RunningTaskCount", ...ecs, { yAxis: "right" }],
    ],
  });
  panels.push({
    title: "Database CPU and connections",
    metrics: [
      ["AWS/RDS", "CPUUtilization", s.database.dimension, s.database.identifier],
      ["AWS/RDS", "DatabaseConnections", s.database.dimension, s.database.identifier, { yAxis: "right" }],
    ],
  });
  panels.push({
    title: "Quarantined records",
    metrics: [
      [
        QUARANTINED_RECORDS_METRIC.namespace,
        QUARANTINED_RECORDS_METRIC.name,
        QUARANTINED_RECORDS_METRIC.dimension,
        s.environment,
        { stat: "Sum" },
      ],
    ],
  });
  if (s.loadBalancerArnSuffix !== undefined) {
    const alb = ["LoadBalancer", s.loadBalancerArnSuffix] as const;
    panels.push({
      title: "ALB requests, target 5xx and latency",
      metrics: [
        ["AWS/ApplicationELB", "RequestCount", ...alb, { stat: "Sum" }],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...alb, { stat: "Sum" }],
        ["AWS/ApplicationELB", "TargetResponseTime", ...alb, { stat: "p99", yAxis: "right" }],
      ],
    });
  }
  if (s.streamName !== undefined) {
    panels.push({
      title: "Order stream throughput and iterator age",
      metrics: [
        ["AWS/Kinesis", "IncomingRecords", "StreamName", s.streamName, { stat: "Sum" }],
        [
          "AWS/Kinesis",
          "GetRecords.IteratorAgeMilliseconds",
          "StreamName",
          s.streamName,
          { stat: "Maximum", yAxis: "right" },
        ],
      ],
    });
  }
  if (s.cacheClusterIds !== undefined && s.cacheClusterIds.length > 0) {
    panels.push({
      title: "Redis engine CPU, memory and connections",
      metrics: s.cacheClusterIds.flatMap((id) => [
        ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", id],
        ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", id],
        ["AWS/ElastiCache", "CurrConnections", "CacheClusterId", id, { yAxis: "right" }],
      ]),
    });
  }
  return panels.map((panel, index) => ({
    type: "metric",
    x: (index % 2) * 12,
    y: Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: {
      title: panel.title,
      region: s.region,
      metrics: panel.metrics,
      period: 60,
      stat: "Average",
      view: "timeSeries",
    },
  }));
}
