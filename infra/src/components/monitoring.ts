import { QUARANTINED_RECORDS_METRIC } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";
import { dashboardWidgets } from "./dashboard.js";

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
  /** ElastiCache member cluster ids: Redis widgets. */
  readonly cacheClusterIds?: readonly pulumi.Input<string>[];
  /** Period (s) of the alarm on any quarantined record. Default 300. */
  readonly quarantineAlarmPeriodSeconds?: number;
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
 * stream iterator age (stream mode), database CPU and connections (always), any quarantined record
 * (always: a quarantined record is an order the workers could not store), ALB 5xx rate as metric math
 * over target 5xx and request counts (with an ALB). The dashboard shows ECS, ALB, RDS, Kinesis, Redis
 * and the service's PendingOrders and QuarantinedRecords metrics.
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
    alarm("quarantined-records-alarm", {
      alarmDescription:
        "Records were quarantined: the workers set aside orders they could not store (inspect the quarantine)",
      namespace: QUARANTINED_RECORDS_METRIC.namespace,
      metricName: QUARANTINED_RECORDS_METRIC.name,
      dimensions: { [QUARANTINED_RECORDS_METRIC.dimension]: naming.environmentSuffix },
      statistic: "Sum",
      period: args.quarantineAlarmPeriodSeconds ?? 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
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
    const widgets = dashboardWidgets({
      region,
      environment: naming.environmentSuffix,
      clusterName: args.clusterName,
      serviceName: args.serviceName,
      database: args.database,
      streamName: args.streamName,
      loadBalancerArnSuffix: args.loadBalancerArnSuffix,
      cacheClusterIds: args.cacheClusterIds,
    });
    this.dashboard = new aws.cloudwatch.Dashboard(
      dashboardName,
      { dashboardName, dashboardBody: pulumi.jsonStringify({ widgets }) },
      parent,
    );
    this.dashboardUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;

    this.registerOutputs({ topicArn: this.topic.arn, dashboardUrl: this.dashboardUrl });
  }
}
