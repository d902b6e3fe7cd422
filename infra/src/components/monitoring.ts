import { PENDING_ORDERS_METRIC } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface MonitoringArgs {
  readonly naming: Naming;
  readonly region: string;
  /** Encrypts the alarm topic. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  /** The database's CloudWatch dimension (DBInstanceIdentifier or DBClusterIdentifier) and value. */
  readonly database: { readonly dimension: string; readonly identifier: pulumi.Input<string> };
  /** Kinesis stream name (stream mode): iterator-age alarm and stream widgets. */
  readonly streamName?: pulumi.Input<string>;
  /** ALB `app/...` suffix: 5xx-rate alarm and ALB widgets. */
  readonly loadBalancerArnSuffix?: pulumi.Input<string>;
  /** Alarm thresholds. */
  readonly thresholds: {
    /** Max GetRecords.IteratorAgeMilliseconds. Default 60000. */
    readonly iteratorAgeMs?: number;
    /** Average database CPU %. Default 80. */
    readonly dbCpuPercent?: number;
    /** Max database connections. Default 80. */
    readonly dbConnections?: number;
    /** Target 5xx as % of requests. Default 5. */
    readonly http5xxRatePercent?: number;
  };
}

/**
 * Alarms (to a KMS-encrypted SNS topic) and one dashboard. Alarms follow the resources that exist:
 * stream iterator age (stream mode), database CPU and connections (always), ALB 5xx rate as metric math
 * over target 5xx and request counts (with an ALB). The dashboard shows ECS, ALB, RDS, Kinesis and the
 * service's PendingOrders metric.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Monitoring", name, {}, opts);
    const { naming, region, thresholds } = args;
    const parent = { parent: this };

    const topicName = resourceName(naming, "alarms");
    this.topic = new aws.sns.Topic(
      topicName,
      { name: topicName, kmsMasterKeyId: args.kmsKeyArn, tags: resourceTags(naming, topicName) },
      parent,
    );
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(
        resourceName(naming, "alarms-email"),
        { topic: this.topic.arn, protocol: "email", endpoint: args.alarmEmail },
        parent,
      );
    }

    const alarm = (resource: string, alarmArgs: Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "tags">) => {
      const alarmName = resourceName(naming, resource);
      const created = new aws.cloudwatch.MetricAlarm(
        alarmName,
        {
          name: alarmName,
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
          treatMissingData: "notBreaching",
          ...alarmArgs,
          tags: resourceTags(naming, alarmName),
        },
        parent,
      );
      this.alarms.push(created);
      return created;
    };

    if (args.streamName !== undefined) {
      alarm("kinesis-iterator-age-alarm", {
        alarmDescription: "Workers are falling behind the order stream",
        namespace: "AWS/Kinesis",
        metricName: "GetRecords.IteratorAgeMilliseconds",
        dimensions: { StreamName: args.streamName },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        threshold: thresholds.iteratorAgeMs ?? 60_000,
        comparisonOperator: "GreaterThanThreshold",
      });
    }
    const dbDimensions = { [args.database.dimension]: args.database.identifier };
    alarm("db-cpu-alarm", {
      alarmDescription: "Database CPU is high",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: dbDimensions,
      statistic: "Average",
      period: 300,
      evaluationPeriods: 2,
      threshold: thresholds.dbCpuPercent ?? 80,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    alarm("db-connections-alarm", {
      alarmDescription: "Database connections are near the limit",
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: dbDimensions,
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 2,
      threshold: thresholds.dbConnections ?? 80,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    if (args.loadBalancerArnSuffix !== undefined) {
      const albMetric = (id: string, metricName: string) => ({
        id,
        returnData: false,
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName,
          dimensions: { LoadBalancer: args.loadBalancerArnSuffix! },
          period: 60,
          stat: "Sum",
        },
      });
      alarm("http-5xx-rate-alarm", {
        alarmDescription: "Share of requests answered 5xx by the service is high",
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        threshold: thresholds.http5xxRatePercent ?? 5,
        comparisonOperator: "GreaterThanThreshold",
        metricQueries: [
          albMetric("errors", "HTTPCode_Target_5XX_Count"),
          albMetric("requests", "RequestCount"),
          {
            id: "rate",
            label: "Target 5xx (% of requests)",
            expression: "IF(requests > 0, 100 * errors / requests, 0)",
            returnData: true,
          },
        ],
      });
    }

    const dashboardName = resourceName(naming, "dashboard");
    const widget = (title: string, metrics: unknown[], y: number, x: number) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region, metrics, period: 60, stat: "Average", view: "timeSeries" },
    });
    const ecs = { ClusterName: args.clusterName, ServiceName: args.serviceName };
    const widgets: unknown[] = [
      widget(
        "ECS service CPU and memory",
        [
          ["AWS/ECS", "CPUUtilization", "ClusterName", ecs.ClusterName, "ServiceName", ecs.ServiceName],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", ecs.ClusterName, "ServiceName", ecs.ServiceName],
        ],
        0,
        0,
      ),
      widget(
        "Pending orders and running tasks",
        [
          [
            PENDING_ORDERS_METRIC.namespace,
            PENDING_ORDERS_METRIC.name,
            PENDING_ORDERS_METRIC.dimension,
            naming.environmentSuffix,
            { stat: "Maximum" },
          ],
          [
            "ECS/ContainerInsights",
            "RunningTaskCount",
            "ClusterName",
            ecs.ClusterName,
            "ServiceName",
            ecs.ServiceName,
            { yAxis: "right" },
          ],
        ],
        0,
        12,
      ),
      widget(
        "Database CPU and connections",
        [
          ["AWS/RDS", "CPUUtilization", args.database.dimension, args.database.identifier],
          [
            "AWS/RDS",
            "DatabaseConnections",
            args.database.dimension,
            args.database.identifier,
            { yAxis: "right" },
          ],
        ],
        6,
        0,
      ),
    ];
    if (args.loadBalancerArnSuffix !== undefined) {
      widgets.push(
        widget(
          "ALB requests, target 5xx and latency",
          [
            [
              "AWS/ApplicationELB",
              "RequestCount",
              "LoadBalancer",
              args.loadBalancerArnSuffix,
              { stat: "Sum" },
            ],
            [
              "AWS/ApplicationELB",
              "HTTPCode_Target_5XX_Count",
              "LoadBalancer",
              args.loadBalancerArnSuffix,
              { stat: "Sum" },
            ],
            [
              "AWS/ApplicationELB",
              "TargetResponseTime",
              "LoadBalancer",
              args.loadBalancerArnSuffix,
              { stat: "p99", yAxis: "right" },
            ],
          ],
          6,
          12,
        ),
      );
    }
    if (args.streamName !== undefined) {
      widgets.push(
        widget(
          "Order stream throughput and iterator age",
          [
            ["AWS/Kinesis", "IncomingRecords", "StreamName", args.streamName, { stat: "Sum" }],
            [
              "AWS/Kinesis",
              "GetRecords.IteratorAgeMilliseconds",
              "StreamName",
              args.streamName,
              { stat: "Maximum", yAxis: "right" },
            ],
          ],
          12,
          0,
        ),
      );
    }
    this.dashboard = new aws.cloudwatch.Dashboard(
      dashboardName,
      { dashboardName, dashboardBody: pulumi.jsonStringify({ widgets }) },
      parent,
    );
    this.dashboardUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;

    this.registerOutputs({ topicArn: this.topic.arn, dashboardUrl: this.dashboardUrl });
  }
}
