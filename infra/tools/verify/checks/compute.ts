/**
 * ECS: the cluster (Container Insights, capacity providers), the service (running its desired count on
 * the planned strategy, deployment settings, private networking) and, when planned, deployment alarms
 * that roll a bad revision back.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type Service,
} from "@aws-sdk/client-ecs";
import type { PlanResource } from "../../../src/plan/types.js";
import type { PlanView } from "../plan-view.js";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check, CheckContext } from "../types.js";
import { found, matchesOutput, nameTag, referenced } from "./support.js";

const CLUSTER = "aws:ecs/cluster:Cluster";
const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
export const ECS_SERVICE = "aws:ecs/service:Service";
const SCALING_TARGET = "aws:appautoscaling/target:Target";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/** The live service the plan's service names, in the plan's cluster. */
export async function describeService(
  context: CheckContext,
): Promise<{ planned: PlanResource; live: Service }> {
  const { plan, aws } = context;
  const planned = plan.one(ECS_SERVICE);
  const cluster = stringInput(plan.one(CLUSTER), "name");
  const name = stringInput(planned, "name");
  const { services } = await aws.send(aws.ecs, new DescribeServicesCommand({ cluster, services: [name] }));
  return {
    planned,
    live: found(
      services?.find((s) => s.status !== "INACTIVE"),
      `ECS service ${name} in ${cluster}`,
    ),
  };
}

export const ecsCluster: Check = {
  id: "ecs-cluster",
  title: "the ECS cluster is ACTIVE with the planned Container Insights setting and capacity providers",
  appliesTo: (plan) => plan.has(CLUSTER),
  async run({ plan, aws, outputs }, findings) {
    const planned = plan.one(CLUSTER);
    const name = stringInput(planned, "name");
    const { clusters } = await aws.send(
      aws.ecs,
      new DescribeClustersCommand({ clusters: [name], include: ["SETTINGS"] }),
    );
    const live = found(
      clusters?.find((c) => c.status !== "INACTIVE"),
      `ECS cluster ${name}`,
    );
    findings.equal("status", "ACTIVE", live.status);
    const insights = (inputAt(planned, "settings") as { name: string; value: string }[] | undefined)?.find(
      (s) => s.name === "containerInsights",
    );
    findings.equal(
      "containerInsights",
      insights?.value ?? "disabled",
      live.settings?.find((s) => s.name === "containerInsights")?.value,
    );
    if (plan.has(CAPACITY)) {
      const providers = inputAt(plan.one(CAPACITY), "capacityProviders") as string[];
      findings.includes("capacityProviders", providers, live.capacityProviders);
    }
    matchesOutput({ outputs }, findings, "ecs_cluster_arn", live.clusterArn);
    findings.note(`${name}: ${live.runningTasksCount ?? 0} running task(s)`);
  },
};

/** Desired-count bounds: the autoscaling target's min..max when the plan scales, else the planned count. */
function desiredBounds(plan: PlanView, planned: PlanResource): [number, number] {
  const target = plan.all(SCALING_TARGET)[0];
  if (target !== undefined)
    return [Number(inputAt(target, "minCapacity")), Number(inputAt(target, "maxCapacity"))];
  const count = Number(inputAt(planned, "desiredCount") ?? 1);
  return [count, count];
}

export const ecsService: Check = {
  id: "ecs-service",
  title:
    "the ECS service runs its desired tasks on the planned strategy, deployment settings and private subnets",
  appliesTo: (plan) => plan.has(ECS_SERVICE),
  async run(context, findings) {
    const { plan, aws } = context;
    const { planned, live } = await describeService(context);
    findings.equal("status", "ACTIVE", live.status);
    const [min, max] = desiredBounds(plan, planned);
    const desired = live.desiredCount ?? 0;
    findings.that(
      "desiredCount",
      desired >= min && desired <= max,
      min === max ? min : `${min}..${max}`,
      desired,
    );
    findings.equal("runningCount", desired, live.runningCount);
    const primary = live.deployments?.filter((d) => d.status === "PRIMARY") ?? [];
    findings.equal("primary deployment rollout", "COMPLETED", primary[0]?.rolloutState);
    const strategies =
      (inputAt(planned, "capacityProviderStrategies") as { capacityProvider: string; weight: number }[]) ??
      [];
    findings.equal(
      "capacityProviderStrategy",
      strategies.map((s) => `${s.capacityProvider}:${s.weight}`),
      (live.capacityProviderStrategy ?? []).map((s) => `${s.capacityProvider}:${s.weight}`),
    );
    findings.equal(
      "deployment strategy",
      inputAt(planned, "deploymentConfiguration.strategy") ?? "ROLLING",
      live.deploymentConfiguration?.strategy ?? "ROLLING",
    );
    const breaker = inputAt(planned, "deploymentCircuitBreaker") as
      | { enable: boolean; rollback: boolean }
      | undefined;
    if (breaker !== undefined) {
      const liveBreaker = live.deploymentConfiguration?.deploymentCircuitBreaker;
      findings.equal(
        "deploymentCircuitBreaker",
        `enable=${breaker.enable} rollback=${breaker.rollback}`,
        liveBreaker && `enable=${liveBreaker.enable} rollback=${liveBreaker.rollback}`,
      );
    }
    const network = live.networkConfiguration?.awsvpcConfiguration;
    findings.equal(
      "assignPublicIp",
      inputAt(planned, "networkConfiguration.assignPublicIp") ? "ENABLED" : "DISABLED",
      network?.assignPublicIp,
    );

    // Subnets and security groups are compared by their Name tags: the plan's ids are stand-ins.
    const subnetNames = referenced(plan, planned, "networkConfiguration", "aws:ec2/subnet:Subnet").map((s) =>
      nameTag(s),
    );
    if (subnetNames.length > 0 && network?.subnets?.length) {
      const { Subnets = [] } = await aws.send(
        aws.ec2,
        new DescribeSubnetsCommand({ SubnetIds: network.subnets }),
      );
      findings.equal(
        "subnets (Name tags)",
        subnetNames,
        Subnets.map((s) => s.Tags?.find((t) => t.Key === "Name")?.Value),
      );
    }
    const groupNames = referenced(
      plan,
      planned,
      "networkConfiguration",
      "aws:ec2/securityGroup:SecurityGroup",
    ).map((g) => inputAt(g, "name"));
    if (groupNames.length > 0 && network?.securityGroups?.length) {
      const { SecurityGroups = [] } = await aws.send(
        aws.ec2,
        new DescribeSecurityGroupsCommand({ GroupIds: network.securityGroups }),
      );
      findings.equal(
        "security groups",
        groupNames,
        SecurityGroups.map((g) => g.GroupName),
      );
    }

    const plannedTask = referenced(plan, planned, "taskDefinition", TASK_DEFINITION)[0];
    if (plannedTask !== undefined && live.taskDefinition !== undefined) {
      const { taskDefinition } = await aws.send(
        aws.ecs,
        new DescribeTaskDefinitionCommand({ taskDefinition: live.taskDefinition }),
      );
      const task = found(taskDefinition, `task definition ${live.taskDefinition}`);
      findings.equal("task family", inputAt(plannedTask, "family"), task.family);
      findings.equal("task cpu", inputAt(plannedTask, "cpu"), task.cpu);
      findings.equal("task memory", inputAt(plannedTask, "memory"), task.memory);
      const containers = (
        JSON.parse(stringInput(plannedTask, "containerDefinitions")) as { name: string }[]
      ).map((c) => c.name);
      findings.equal(
        "containers",
        containers,
        task.containerDefinitions?.map((c) => c.name),
      );
    }
    matchesOutput(context, findings, "ecs_service_name", live.serviceName);
    matchesOutput(context, findings, "ecsServiceArn", live.serviceArn);
    findings.note(`${live.serviceName}: ${live.runningCount}/${desired} running`);
  },
};

/** The plan's deployment alarms: `alarms` in @pulumi/aws, `deploymentConfiguration.alarms` in the ECS API. */
export function plannedDeploymentAlarms(service: PlanResource) {
  const alarms = (inputAt(service, "alarms") ?? inputAt(service, "deploymentConfiguration.alarms")) as
    | { alarmNames: string[]; enable: boolean; rollback: boolean }
    | undefined;
  return alarms?.enable === true ? alarms : undefined;
}

export const ecsDeploymentAlarms: Check = {
  id: "ecs-deployment-alarms",
  title: "the ECS service watches the planned deployment alarms and rolls back when one fires",
  appliesTo: (plan) =>
    plan.all(ECS_SERVICE).some((service) => plannedDeploymentAlarms(service) !== undefined),
  async run(context, findings) {
    const { aws, translate } = context;
    const { planned, live } = await describeService(context);
    const expected = found(plannedDeploymentAlarms(planned), "deployment alarms in the plan");
    const alarms = live.deploymentConfiguration?.alarms;
    findings.equal("alarms.enable", true, alarms?.enable);
    findings.equal("alarms.rollback", expected.rollback, alarms?.rollback);
    const names = translate.live(expected.alarmNames);
    findings.includes("alarms.alarmNames", names, alarms?.alarmNames);
    const { MetricAlarms = [] } = await aws.send(
      aws.cloudWatch,
      new DescribeAlarmsCommand({ AlarmNames: names }),
    );
    const existing = MetricAlarms.map((a) => a.AlarmName);
    findings.includes("deployment alarms that exist", names, existing);
    findings.note(`${names.length} deployment alarm(s), rollback ${alarms?.rollback ? "on" : "off"}`);
  },
};
