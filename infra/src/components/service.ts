import { CONTAINER_PORT, PENDING_ORDERS_METRIC, type ServiceEnvName } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  CONTAINER_NAMES,
  type ContainerEnvironment,
  type ContainerSecrets,
  containerDefinition,
} from "../containers.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** Managed policy AWS documents for the ECS infrastructure role of blue/green deployments. */
export const ECS_LOAD_BALANCER_INFRA_POLICY =
  "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers";

/** Kinesis actions the API (PutRecords) and the workers (shard discovery and reads) need. */
export const KINESIS_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:ListShards",
  "kinesis:GetShardIterator",
  "kinesis:GetRecords",
  "kinesis:PutRecord",
  "kinesis:PutRecords",
] as const;

export interface ServiceLoadBalancing {
  readonly blueTargetGroupArn: pulumi.Input<string>;
  /** Present: ECS native BLUE_GREEN between blue and green. Absent: rolling behind the blue group. */
  readonly greenTargetGroupArn?: pulumi.Input<string>;
  /** Listener rule ECS shifts production traffic with (blue/green). */
  readonly productionListenerRuleArn: pulumi.Input<string>;
  /** Minutes blue stays ready for rollback after the shift. Default 5. */
  readonly bakeTimeMinutes?: number;
}

export interface ServiceAutoscaling {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Target average CPU %. */
  readonly cpuTargetPercent: number;
  /** Target pending orders per running task. */
  readonly pendingOrdersPerTask: number;
}

export interface ServiceArgs {
  readonly naming: Naming;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Container Insights: enabled | enhanced | disabled. Default enabled. */
  readonly containerInsights?: string;
  readonly privateSubnetIds: pulumi.Input<string[]>;
  readonly securityGroupId: pulumi.Input<string>;
  /** Repository the image comes from (no tag). */
  readonly imageRepository: pulumi.Input<string>;
  /** Tag of the image. */
  readonly imageTag: string;
  /** ECR repository ARN the execution role may pull from. */
  readonly ecrRepositoryArn: pulumi.Input<string>;
  /** Task CPU units / memory MiB (shared by the api and worker containers). Defaults 512 / 1024. */
  readonly taskCpu?: number;
  readonly taskMemory?: number;
  /** Tasks at start. Default 2. */
  readonly desiredCount?: number;
  /** Capacity provider weights. Defaults 1 (FARGATE) / 0 (FARGATE_SPOT). */
  readonly fargateWeight?: number;
  readonly fargateSpotWeight?: number;
  /** Plain environment of every container (never secret names). */
  readonly environment: ContainerEnvironment;
  /** Secrets of every container: name → valueFrom. */
  readonly secrets: ContainerSecrets;
  /** Non-secret settings kept in SSM Parameter Store and injected by ECS (name → value). */
  readonly ssmAppConfig?: Partial<Record<ServiceEnvName, string>>;
  /** Secrets Manager secret ARNs the execution role may read (exactly the ones in `secrets`). */
  readonly secretArns: pulumi.Input<string>[];
  /** Customer-managed key: log group encryption and secret decryption. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Kinesis stream the task role may read and write (stream mode). */
  readonly streamArn?: pulumi.Input<string>;
  /** Log retention days. Default 7. */
  readonly logRetentionDays?: number;
  /** ALB wiring; absent: no load balancer (the API is reached inside the VPC). */
  readonly loadBalancing?: ServiceLoadBalancing;
  /** Target tracking; absent: fixed desiredCount. */
  readonly autoscaling?: ServiceAutoscaling;
}

const ecsTasksTrust = (accountId: pulumi.Input<string>) =>
  pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });

/**
 * ECS Fargate: cluster (Container Insights, FARGATE + FARGATE_SPOT), the service's task definition
 * with two essential containers from one image — `api` (`serve`, behind the ALB) and `worker`
 * (`work`) — a one-off `migrate` task definition run before each rollout, the log group, least-
 * privilege IAM roles, the service (rolling or ECS native BLUE_GREEN) and target-tracking scaling on
 * CPU and on pending orders per task.
 */
export class Service extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly executionRole: aws.iam.Role;
  readonly taskRole: aws.iam.Role;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly migrateTaskDefinition: aws.ecs.TaskDefinition;
  readonly service: aws.ecs.Service;
  readonly infrastructureRole: aws.iam.Role | undefined;
  readonly ssmParameters: aws.ssm.Parameter[] = [];
  readonly scalingTarget: aws.appautoscaling.Target | undefined;
  readonly clusterName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Service", name, {}, opts);
    const { naming, region, accountId } = args;
    const parent = { parent: this };
    const tags = (n: string, extra?: Record<string, string>) => resourceTags(naming, n, extra);

    const clusterName = resourceName(naming, "cluster");
    this.cluster = new aws.ecs.Cluster(
      clusterName,
      {
        name: clusterName,
        settings: [{ name: "containerInsights", value: args.containerInsights ?? "enabled" }],
        tags: tags(clusterName),
      },
      parent,
    );
    this.clusterName = this.cluster.name;
    const strategies = [
      { capacityProvider: "FARGATE", weight: args.fargateWeight ?? 1, base: 0 },
      { capacityProvider: "FARGATE_SPOT", weight: args.fargateSpotWeight ?? 0, base: 0 },
    ].filter((s) => s.weight > 0);
    new aws.ecs.ClusterCapacityProviders(
      clusterName,
      {
        clusterName: this.cluster.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: strategies,
      },
      parent,
    );

    const logGroupName = `/ecs/fastcart-orders-${naming.environmentSuffix}`;
    this.logGroup = new aws.cloudwatch.LogGroup(
      resourceName(naming, "logs"),
      {
        name: logGroupName,
        retentionInDays: args.logRetentionDays ?? 7,
        kmsKeyId: args.kmsKeyArn,
        tags: tags(logGroupName),
      },
      parent,
    );

    // App settings in Parameter Store: ECS resolves them at task start like secrets (valueFrom).
    const secrets: ContainerSecrets = { ...args.secrets };
    for (const [envName, value] of Object.entries(args.ssmAppConfig ?? {})) {
      const parameterName = `/fastcart/${naming.environmentSuffix}/${envName}`;
      const parameter = new aws.ssm.Parameter(
        resourceName(naming, `param-${envName.toLowerCase().replaceAll("_", "-")}`),
        {
          name: parameterName,
          type: "String",
          // insecureValue: these settings are not secret, so the plan and `pulumi preview` show them.
          insecureValue: value,
          description: `FastCart ${envName}`,
          tags: tags(parameterName),
        },
        parent,
      );
      this.ssmParameters.push(parameter);
      secrets[envName as ServiceEnvName] = parameter.arn;
    }

    // Execution role: what the ECS agent does before the containers start.
    const executionRoleName = resourceName(naming, "task-execution-role");
    this.executionRole = new aws.iam.Role(
      executionRoleName,
      { name: executionRoleName, assumeRolePolicy: ecsTasksTrust(accountId), tags: tags(executionRoleName) },
      parent,
    );
    const executionStatements: unknown[] = [
      // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
      { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [args.ecrRepositoryArn],
      },
      {
        Sid: "WriteLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [pulumi.interpolate`${this.logGroup.arn}:log-stream:*`],
      },
      {
        Sid: "ReadInjectedSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: args.secretArns,
      },
      {
        Sid: "DecryptInjectedSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [args.kmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
      },
    ];
    if (this.ssmParameters.length > 0) {
      executionStatements.push({
        Sid: "ReadAppConfigParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameters"],
        Resource: this.ssmParameters.map((p) => p.arn),
      });
    }
    new aws.iam.RolePolicy(
      executionRoleName,
      {
        role: this.executionRole.id,
        policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: executionStatements }),
      },
      parent,
    );

    // Task role: what the service code itself calls. Metrics go out as EMF on stdout (no API call).
    const taskRoleName = resourceName(naming, "task-role");
    this.taskRole = new aws.iam.Role(
      taskRoleName,
      { name: taskRoleName, assumeRolePolicy: ecsTasksTrust(accountId), tags: tags(taskRoleName) },
      parent,
    );
    if (args.streamArn !== undefined) {
      new aws.iam.RolePolicy(
        taskRoleName,
        {
          role: this.taskRole.id,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "OrderStream",
                Effect: "Allow",
                Action: [...KINESIS_ACTIONS],
                Resource: [args.streamArn],
              },
              {
                Sid: "OrderStreamEncryption",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: [args.kmsKeyArn],
                Condition: { StringEquals: { "kms:ViaService": `kinesis.${region}.amazonaws.com` } },
              },
            ],
          }),
        },
        parent,
      );
    }

    const image = pulumi.interpolate`${args.imageRepository}:${args.imageTag}`;
    const settings = {
      image,
      region,
      logGroupName: this.logGroup.name,
      environment: args.environment,
      secrets,
    };
    const taskFamily = resourceName(naming, "orders");
    const fargateTask = (cpu: number, memory: number) => ({
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(cpu),
      memory: String(memory),
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    });
    this.taskDefinition = new aws.ecs.TaskDefinition(
      taskFamily,
      {
        family: taskFamily,
        ...fargateTask(args.taskCpu ?? 512, args.taskMemory ?? 1024),
        containerDefinitions: pulumi.jsonStringify([
          containerDefinition("serve", settings),
          containerDefinition("work", settings),
        ]),
        tags: tags(taskFamily),
      },
      parent,
    );
    const migrateFamily = resourceName(naming, "migrate");
    this.migrateTaskDefinition = new aws.ecs.TaskDefinition(
      migrateFamily,
      {
        family: migrateFamily,
        ...fargateTask(256, 512),
        containerDefinitions: pulumi.jsonStringify([containerDefinition("migrate", settings)]),
        tags: tags(migrateFamily),
      },
      parent,
    );

    const lb = args.loadBalancing;
    const blueGreen = lb?.greenTargetGroupArn !== undefined;
    const serviceDependencies: pulumi.Resource[] = [];
    if (lb && blueGreen) {
      const infraRoleName = resourceName(naming, "ecs-infra-role");
      const infraRole = new aws.iam.Role(
        infraRoleName,
        {
          name: infraRoleName,
          assumeRolePolicy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AllowAccessToECSForInfrastructureManagement",
                Effect: "Allow",
                Principal: { Service: "ecs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
            ],
          }),
          tags: tags(infraRoleName),
        },
        parent,
      );
      this.infrastructureRole = infraRole;
      serviceDependencies.push(
        new aws.iam.RolePolicyAttachment(
          infraRoleName,
          { role: infraRole.name, policyArn: ECS_LOAD_BALANCER_INFRA_POLICY },
          parent,
        ),
      );
    }

    const serviceName = resourceName(naming, "service");
    const infraRole = this.infrastructureRole;
    this.service = new aws.ecs.Service(
      serviceName,
      {
        name: serviceName,
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: args.desiredCount ?? 2,
        capacityProviderStrategies: strategies,
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        deploymentConfiguration:
          blueGreen && lb
            ? { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(lb.bakeTimeMinutes ?? 5) }
            : { strategy: "ROLLING" },
        // The circuit breaker exists for rolling deployments only; blue/green rolls back within its bake time.
        deploymentCircuitBreaker: blueGreen ? undefined : { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        loadBalancers: lb
          ? [
              {
                targetGroupArn: lb.blueTargetGroupArn,
                containerName: CONTAINER_NAMES.serve,
                containerPort: CONTAINER_PORT,
                advancedConfiguration:
                  blueGreen && infraRole
                    ? {
                        alternateTargetGroupArn: lb.greenTargetGroupArn!,
                        productionListenerRule: lb.productionListenerRuleArn,
                        roleArn: infraRole.arn,
                      }
                    : undefined,
              },
            ]
          : [],
        healthCheckGracePeriodSeconds: lb ? 60 : undefined,
        enableExecuteCommand: false,
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        waitForSteadyState: false,
        tags: tags(serviceName),
      },
      {
        parent: this,
        dependsOn: serviceDependencies,
        // Autoscaling owns the task count once the service exists.
        ignoreChanges: args.autoscaling ? ["desiredCount"] : [],
      },
    );
    this.serviceName = this.service.name;

    if (args.autoscaling) {
      const scaling = args.autoscaling;
      const targetName = resourceName(naming, "scaling-target");
      this.scalingTarget = new aws.appautoscaling.Target(
        targetName,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
          minCapacity: scaling.minCapacity,
          maxCapacity: scaling.maxCapacity,
          tags: tags(targetName),
        },
        parent,
      );
      const target = this.scalingTarget;
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
          parent,
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
                    { name: "ClusterName", value: this.cluster.name },
                    { name: "ServiceName", value: this.service.name },
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
    }

    this.registerOutputs({
      clusterArn: this.cluster.arn,
      serviceName: this.serviceName,
      serviceArn: this.service.arn,
      logGroupName: this.logGroup.name,
      taskDefinitionArn: this.taskDefinition.arn,
      migrateTaskDefinitionArn: this.migrateTaskDefinition.arn,
    });
  }
}
