/** ECS (JSON 1.1): the cluster, the service and its task definition, its running tasks, and the one-off smoke task. */
import type { DeployedResource, StandInAccount } from "./account.js";
import { AwsFault } from "./protocols.js";

type Body = Record<string, unknown>;
const arn = (r: DeployedResource) => String(r.attributes["arn"]);
const SMOKE_TASK = "smoke-task";

function cluster(account: StandInAccount, wanted: unknown): DeployedResource | undefined {
  return account.all("aws:ecs/cluster:Cluster").find((c) => c.inputs["name"] === wanted || arn(c) === wanted);
}

function serviceView(account: StandInAccount, service: DeployedResource) {
  const i = service.inputs;
  const name = String(i["name"]);
  const desired = Number(i["desiredCount"] ?? 1);
  const network = (i["networkConfiguration"] as Body | undefined) ?? {};
  const configuration = (i["deploymentConfiguration"] as Body | undefined) ?? {};
  return {
    serviceName: name,
    serviceArn: arn(service),
    clusterArn: i["cluster"],
    status: "ACTIVE",
    desiredCount: desired,
    runningCount: account.runningCount.get(name) ?? desired,
    taskDefinition: i["taskDefinition"],
    capacityProviderStrategy: ((i["capacityProviderStrategies"] as Body[] | undefined) ?? []).map((s) => ({
      capacityProvider: s["capacityProvider"],
      weight: s["weight"],
      base: s["base"],
    })),
    deploymentConfiguration: {
      strategy: configuration["strategy"] ?? "ROLLING",
      deploymentCircuitBreaker: i["deploymentCircuitBreaker"],
      alarms: i["alarms"] ?? configuration["alarms"],
    },
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network["subnets"],
        securityGroups: network["securityGroups"],
        assignPublicIp: network["assignPublicIp"] === true ? "ENABLED" : "DISABLED",
      },
    },
    deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", desiredCount: desired }],
  };
}

function taskArn(account: StandInAccount, clusterName: string, id: string): string {
  return `arn:aws:ecs:${account.region}:${account.accountId}:task/${clusterName}/${id}`;
}

export function ecs(account: StandInAccount, operation: string, body: Body): unknown {
  switch (operation) {
    case "DescribeClusters": {
      const wanted = (body["clusters"] as string[] | undefined) ?? [];
      const found = wanted.map((w) => cluster(account, w)).filter((c) => c !== undefined);
      const providers = account.all("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")[0]?.inputs[
        "capacityProviders"
      ];
      return {
        clusters: found.map((c) => ({
          clusterName: c.inputs["name"],
          clusterArn: arn(c),
          status: "ACTIVE",
          settings: c.inputs["settings"],
          capacityProviders: providers ?? [],
          runningTasksCount: 2,
        })),
        failures: wanted.filter((w) => !cluster(account, w)).map((w) => ({ arn: w, reason: "MISSING" })),
      };
    }
    case "DescribeServices": {
      const wanted = (body["services"] as string[] | undefined) ?? [];
      const services = account
        .all("aws:ecs/service:Service")
        .filter((s) => wanted.includes(String(s.inputs["name"])) || wanted.includes(arn(s)));
      return { services: services.map((s) => serviceView(account, s)), failures: [] };
    }
    case "DescribeTaskDefinition": {
      const wanted = body["taskDefinition"];
      const task = account
        .all("aws:ecs/taskDefinition:TaskDefinition")
        .find((t) => arn(t) === wanted || t.inputs["family"] === wanted);
      if (task === undefined) throw new AwsFault("ClientException", "Unable to describe task definition.");
      return {
        taskDefinition: {
          taskDefinitionArn: arn(task),
          family: task.inputs["family"],
          cpu: task.inputs["cpu"],
          memory: task.inputs["memory"],
          containerDefinitions: JSON.parse(String(task.inputs["containerDefinitions"])),
        },
      };
    }
    case "ListTasks": {
      const service = account
        .all("aws:ecs/service:Service")
        .find((s) => s.inputs["name"] === body["serviceName"]);
      const running = service
        ? (account.runningCount.get(String(service.inputs["name"])) ??
          Number(service.inputs["desiredCount"] ?? 1))
        : 0;
      const name = String(cluster(account, body["cluster"])?.inputs["name"]);
      return {
        taskArns: Array.from({ length: running }, (_, n) => taskArn(account, name, `service-task-${n + 1}`)),
      };
    }
    case "DescribeTasks": {
      const tasks = ((body["tasks"] as string[] | undefined) ?? []).map((t) =>
        t.endsWith(SMOKE_TASK)
          ? {
              taskArn: t,
              lastStatus: "STOPPED",
              stoppedReason: "Essential container in task exited",
              containers: [{ name: "api", exitCode: account.smokeTaskExitCode }],
            }
          : {
              taskArn: t,
              lastStatus: "RUNNING",
              attachments: [
                {
                  type: "ElasticNetworkInterface",
                  details: [{ name: "privateIPv4Address", value: "10.0.10.11" }],
                },
              ],
            },
      );
      return { tasks, failures: [] };
    }
    case "RunTask": {
      const overrides =
        ((body["overrides"] as Body | undefined)?.["containerOverrides"] as Body[] | undefined) ?? [];
      account.startedTasks.push({
        taskDefinition: String(body["taskDefinition"]),
        command: (overrides[0]?.["command"] as string[]) ?? [],
      });
      const name = String(cluster(account, body["cluster"])?.inputs["name"]);
      return {
        tasks: [{ taskArn: taskArn(account, name, SMOKE_TASK), lastStatus: "PROVISIONING" }],
        failures: [],
      };
    }
    default:
      throw new AwsFault("InvalidParameterException", `the stand-in does not answer ECS ${operation}`);
  }
}
