import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type ContainerEnvironment,
  type ContainerSecrets,
  containerDefinition,
  SCRATCH_VOLUME,
} from "../containers.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** The migrate task's size: one short-lived process running DDL, never under load. */
export const MIGRATE_TASK_SIZE = { cpu: 256, memory: 512 } as const;

/** What one task definition's containers receive. */
export interface TaskInputs {
  readonly environment: ContainerEnvironment;
  readonly secrets: ContainerSecrets;
}

export interface TaskDefinitionsArgs {
  readonly naming: Naming;
  readonly region: string;
  /** `<repository>@sha256:…`. */
  readonly image: pulumi.Input<string>;
  /** Task CPU units / memory MiB, shared by the api and worker containers. */
  readonly taskCpu: number;
  readonly taskMemory: number;
  /** Log group every container writes to (awslogs). */
  readonly logGroupName: pulumi.Input<string>;
  readonly executionRoleArn: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  readonly migrateExecutionRoleArn: pulumi.Input<string>;
  /** api and worker containers. */
  readonly service: TaskInputs;
  /** The migrate container. */
  readonly migrate: TaskInputs;
}

export interface TaskDefinitionsParts {
  /** api (`serve`, behind the ALB) and worker (`work`), two essential containers of one image. */
  readonly taskDefinition: aws.ecs.TaskDefinition;
  /** `fastcart migrate`, run as a one-off task before each rollout. */
  readonly migrateTaskDefinition: aws.ecs.TaskDefinition;
}

/** The service's log group, encrypted with the stack key; the execution roles may write only to it. */
export function createLogGroup(
  naming: Naming,
  retentionInDays: number,
  kmsKeyArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.cloudwatch.LogGroup {
  const logGroupName = `/ecs/fastcart-orders-${naming.environmentSuffix}`;
  return new aws.cloudwatch.LogGroup(
    resourceName(naming, "logs"),
    { name: logGroupName, retentionInDays, kmsKeyId: kmsKeyArn, tags: resourceTags(naming, logGroupName) },
    { parent },
  );
}

/** The service's task definition and the migrate task definition. */
export function createTaskDefinitions(
  args: TaskDefinitionsArgs,
  parent: pulumi.Resource,
): TaskDefinitionsParts {
  const { naming, region } = args;
  const settings = (inputs: TaskInputs) => ({
    image: args.image,
    region,
    logGroupName: args.logGroupName,
    environment: inputs.environment,
    secrets: inputs.secrets,
  });
  const fargateTask = (cpu: number, memory: number, executionRoleArn: pulumi.Input<string>) => ({
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: String(cpu),
    memory: String(memory),
    executionRoleArn,
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    // Root filesystems are read-only; this task-storage volume is the containers' /tmp.
    volumes: [{ name: SCRATCH_VOLUME.name }],
  });

  const taskFamily = resourceName(naming, "orders");
  const taskDefinition = new aws.ecs.TaskDefinition(
    taskFamily,
    {
      family: taskFamily,
      ...fargateTask(args.taskCpu, args.taskMemory, args.executionRoleArn),
      taskRoleArn: args.taskRoleArn,
      containerDefinitions: pulumi.jsonStringify([
        containerDefinition("serve", settings(args.service)),
        containerDefinition("work", settings(args.service)),
      ]),
      tags: resourceTags(naming, taskFamily),
    },
    { parent },
  );
  const migrateFamily = resourceName(naming, "migrate");
  const migrateTaskDefinition = new aws.ecs.TaskDefinition(
    migrateFamily,
    {
      family: migrateFamily,
      ...fargateTask(MIGRATE_TASK_SIZE.cpu, MIGRATE_TASK_SIZE.memory, args.migrateExecutionRoleArn),
      containerDefinitions: pulumi.jsonStringify([containerDefinition("migrate", settings(args.migrate))]),
      tags: resourceTags(naming, migrateFamily),
    },
    { parent },
  );
  return { taskDefinition, migrateTaskDefinition };
}
