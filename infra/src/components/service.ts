import type { ServiceEnvName } from "@fastcart/service/contract";
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerEnvironment, ContainerSecrets } from "../containers.js";
import { type Naming, resourceName } from "../naming.js";
import { createAppConfigParameters } from "./service-app-config.js";
import { createAutoscaling, type ServiceAutoscaling } from "./service-autoscaling.js";
import { createCluster } from "./service-cluster.js";
import { createDeploymentAlarms } from "./service-deployment-alarms.js";
import { createEcsService } from "./service-ecs-service.js";
import { createServiceEgress, type EgressTarget } from "./service-egress.js";
import { createInfrastructureRole } from "./service-infrastructure-role.js";
import type { ServicePrerequisites } from "./service-prerequisites.js";
import { createRoles } from "./service-roles.js";
import { createLogGroup, createTaskDefinitions } from "./service-task-definitions.js";

export type { ServiceAutoscaling } from "./service-autoscaling.js";
export { ECS_LOAD_BALANCER_INFRA_POLICY } from "./service-infrastructure-role.js";
export { KINESIS_ACTIONS } from "./service-roles.js";

/** The Edge resources the service is wired to. */
export interface ServiceLoadBalancing {
  /** `app/<name>/<id>`: the LoadBalancer dimension of the deployment alarms. */
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  /** The listener that serves production traffic (the target groups are attached through it). */
  readonly listener: aws.lb.Listener;
  /** The rule ECS shifts production traffic with (blue/green). */
  readonly productionRule: aws.lb.ListenerRule;
  readonly blueTargetGroup: aws.lb.TargetGroup;
  /** Present: ECS native BLUE_GREEN between blue and green. Absent: rolling behind the blue group. */
  readonly greenTargetGroup: aws.lb.TargetGroup | undefined;
  /** Minutes blue stays ready for rollback after the shift (blue/green). */
  readonly bakeTimeMinutes: number;
}

/** What one task definition's containers get, and the Secrets Manager secrets behind their `secrets`. */
export interface ServiceContainerInputs {
  readonly environment: ContainerEnvironment;
  readonly secrets: ContainerSecrets;
  /** Exactly the secrets named in `secrets` (their execution role may read these and no others). */
  readonly secretArns: pulumi.Input<string>[];
}

/** Every value comes from the stack configuration (src/config.ts holds the defaults); nothing here has one. */
export interface ServiceArgs {
  readonly naming: Naming;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Container Insights: enabled | enhanced | disabled. */
  readonly containerInsights: string;
  readonly privateSubnetIds: pulumi.Input<string[]>;
  readonly securityGroupId: pulumi.Input<string>;
  /** `<repository>@sha256:…` (src/image.ts). */
  readonly image: pulumi.Input<string>;
  /** ECR repository ARN the execution roles may pull from. */
  readonly ecrRepositoryArn: pulumi.Input<string>;
  /** Task CPU units / memory MiB (shared by the api and worker containers). */
  readonly taskCpu: number;
  readonly taskMemory: number;
  /** Tasks at start. */
  readonly desiredCount: number;
  /** Capacity provider weights (FARGATE / FARGATE_SPOT). */
  readonly fargateWeight: number;
  readonly fargateSpotWeight: number;
  /** api and worker containers (never the master secret). */
  readonly service: ServiceContainerInputs;
  /** The migrate container: the only one with the master credentials. */
  readonly migrate: ServiceContainerInputs;
  /** Non-secret settings kept in SSM Parameter Store and injected into every container ({}: none). */
  readonly ssmAppConfig: Partial<Record<ServiceEnvName, string>>;
  /** Customer-managed key: log group encryption and secret decryption. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Kinesis stream the task role may read and write (stream mode). */
  readonly streamArn: pulumi.Input<string> | undefined;
  /** The application database user the task role connects as (IAM database authentication). */
  readonly databaseUser: { readonly resourceId: pulumi.Input<string>; readonly name: string };
  /** The data stores the tasks may reach (their security group's only egress besides HTTPS). */
  readonly egress: {
    readonly database: EgressTarget;
    readonly cache: EgressTarget | undefined;
    readonly inVpcApi: EgressTarget | undefined;
  };
  readonly logRetentionDays: number;
  /** ALB wiring; absent: no load balancer (the API is reached inside the VPC). */
  readonly loadBalancing: ServiceLoadBalancing | undefined;
  /** 5xx share of requests that fails and rolls back a deployment (with an ALB). */
  readonly rollbackHttp5xxRatePercent: number;
  /** Stream mode: the stream whose iterator age fails a deployment, and the threshold. */
  readonly rollbackStream:
    | { readonly name: pulumi.Input<string>; readonly iteratorAgeMs: number }
    | undefined;
  /** Target tracking; absent: fixed desiredCount. */
  readonly autoscaling: ServiceAutoscaling | undefined;
}

/**
 * ECS Fargate, one concern per file: the cluster and its capacity providers (service-cluster.ts), the
 * IAM roles (service-roles.ts, service-infrastructure-role.ts), the log group and task definitions
 * (service-task-definitions.ts, service-app-config.ts), the tasks' egress (service-egress.ts), the
 * deployment alarms (service-deployment-alarms.ts), the ECS service with everything it must wait for
 * (service-ecs-service.ts, service-prerequisites.ts) and target tracking (service-autoscaling.ts).
 */
export class Service extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly executionRole: aws.iam.Role;
  readonly taskRole: aws.iam.Role;
  readonly migrateExecutionRole: aws.iam.Role;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly migrateTaskDefinition: aws.ecs.TaskDefinition;
  readonly service: aws.ecs.Service;
  readonly infrastructureRole: aws.iam.Role | undefined;
  readonly ssmParameters: aws.ssm.Parameter[];
  readonly deploymentAlarms: aws.cloudwatch.MetricAlarm[];
  readonly scalingTarget: aws.appautoscaling.Target | undefined;
  /** What the ECS service waits for, by the keys of SERVICE_PREREQUISITES. */
  readonly prerequisites: ServicePrerequisites;
  readonly clusterName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Service", name, {}, opts);
    const { naming, region } = args;

    const { cluster, capacityProviders, strategies } = createCluster(args, this);
    this.cluster = cluster;
    this.clusterName = cluster.name;
    this.logGroup = createLogGroup(naming, args.logRetentionDays, args.kmsKeyArn, this);

    const appConfig = createAppConfigParameters(naming, args.ssmAppConfig, this);
    this.ssmParameters = appConfig.parameters;
    const parameterArns = appConfig.parameters.map((p) => p.arn);
    const roles = createRoles(
      {
        naming,
        region,
        accountId: args.accountId,
        kmsKeyArn: args.kmsKeyArn,
        service: {
          ecrRepositoryArn: args.ecrRepositoryArn,
          logGroupArn: this.logGroup.arn,
          secretArns: args.service.secretArns,
          parameterArns,
        },
        migrate: {
          ecrRepositoryArn: args.ecrRepositoryArn,
          logGroupArn: this.logGroup.arn,
          secretArns: args.migrate.secretArns,
          parameterArns,
        },
        streamArn: args.streamArn,
        databaseUser: args.databaseUser,
      },
      this,
    );
    this.executionRole = roles.executionRole;
    this.taskRole = roles.taskRole;
    this.migrateExecutionRole = roles.migrateExecutionRole;

    const definitions = createTaskDefinitions(
      {
        naming,
        region,
        image: args.image,
        taskCpu: args.taskCpu,
        taskMemory: args.taskMemory,
        logGroupName: this.logGroup.name,
        executionRoleArn: roles.executionRole.arn,
        taskRoleArn: roles.taskRole.arn,
        migrateExecutionRoleArn: roles.migrateExecutionRole.arn,
        service: {
          environment: args.service.environment,
          secrets: { ...args.service.secrets, ...appConfig.secrets },
        },
        migrate: {
          environment: args.migrate.environment,
          secrets: { ...args.migrate.secrets, ...appConfig.secrets },
        },
      },
      this,
    );
    this.taskDefinition = definitions.taskDefinition;
    this.migrateTaskDefinition = definitions.migrateTaskDefinition;

    const egressRules = createServiceEgress(
      { naming, securityGroupId: args.securityGroupId, ...args.egress },
      this,
    );

    // Known before the service exists: the alarms and the scaling target name them as strings.
    const serviceName = resourceName(naming, "service");
    const lb = args.loadBalancing;
    const green = lb?.greenTargetGroup;
    this.deploymentAlarms = createDeploymentAlarms(
      {
        naming,
        clusterName: cluster.name,
        serviceName,
        containerInsights: args.containerInsights !== "disabled",
        stream: args.rollbackStream,
        loadBalancer: lb && {
          arnSuffix: lb.loadBalancerArnSuffix,
          targetGroups: [
            { color: "blue", arnSuffix: lb.blueTargetGroup.arnSuffix },
            ...(green ? [{ color: "green", arnSuffix: green.arnSuffix }] : []),
          ],
          http5xxRatePercent: args.rollbackHttp5xxRatePercent,
        },
      },
      this,
    );

    const infrastructure = lb && green ? createInfrastructureRole(naming, this) : undefined;
    this.infrastructureRole = infrastructure?.role;
    this.prerequisites = {
      capacityProviders,
      logGroup: this.logGroup,
      executionRolePolicy: roles.executionRolePolicy,
      taskRolePolicy: roles.taskRolePolicy,
      egressRules,
      deploymentAlarms: this.deploymentAlarms,
      ...(lb && {
        listener: lb.listener,
        productionListenerRule: lb.productionRule,
        blueTargetGroup: lb.blueTargetGroup,
      }),
      ...(green &&
        infrastructure && {
          greenTargetGroup: green,
          infrastructureRole: infrastructure.role,
          infrastructureRolePolicy: infrastructure.policyAttachment,
        }),
    };

    this.service = createEcsService(
      {
        naming,
        clusterArn: cluster.arn,
        taskDefinitionArn: definitions.taskDefinition.arn,
        desiredCount: args.desiredCount,
        capacityProviderStrategies: strategies,
        privateSubnetIds: args.privateSubnetIds,
        securityGroupId: args.securityGroupId,
        loadBalancer: lb && {
          targetGroupArn: lb.blueTargetGroup.arn,
          blueGreen:
            green && infrastructure
              ? {
                  alternateTargetGroupArn: green.arn,
                  productionListenerRuleArn: lb.productionRule.arn,
                  infrastructureRoleArn: infrastructure.role.arn,
                  bakeTimeMinutes: lb.bakeTimeMinutes,
                }
              : undefined,
        },
        deploymentAlarmNames: this.deploymentAlarms.map((alarm) => alarm.name),
        autoscaled: args.autoscaling !== undefined,
        prerequisites: this.prerequisites,
      },
      this,
    );
    this.serviceName = this.service.name;

    this.scalingTarget = args.autoscaling
      ? createAutoscaling(
          naming,
          { clusterName: cluster.name, serviceName: this.service.name },
          args.autoscaling,
          this,
        )
      : undefined;

    this.registerOutputs({
      clusterArn: cluster.arn,
      serviceName: this.serviceName,
      serviceArn: this.service.arn,
      logGroupName: this.logGroup.name,
      taskDefinitionArn: this.taskDefinition.arn,
      migrateTaskDefinitionArn: this.migrateTaskDefinition.arn,
    });
  }
}
