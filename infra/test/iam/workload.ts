/**
 * What runs, read from the plan: the ECS service, the task definitions it and `migrate` run, their
 * containers (environment, injected secrets, log configuration, image) and the roles they run with.
 */
import { CONTAINER_NAMES } from "../../src/containers.js";
import type { PlanResource } from "../../src/plan/types.js";
import type { PlanModel, RoleModel } from "./plan-model.js";

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Env name → valueFrom (a Secrets Manager or SSM parameter ARN). */
  readonly secrets: Readonly<Record<string, string>>;
  readonly logGroup: string | undefined;
  readonly logStreamPrefix: string | undefined;
}

export interface TaskDefinition {
  readonly resource: PlanResource;
  readonly family: string;
  readonly executionRole: RoleModel;
  readonly taskRole: RoleModel | undefined;
  readonly containers: readonly Container[];
}

export interface Workload {
  readonly service: PlanResource;
  readonly clusterName: string;
  /** The api + worker task definition the service runs. */
  readonly app: TaskDefinition;
  /** The one-off `migrate` task definition. */
  readonly migrate: TaskDefinition;
  /** Blue/green wiring of the service, when it has one. */
  readonly blueGreen:
    | {
        readonly role: RoleModel;
        readonly targetGroupArns: readonly string[];
        readonly listenerRuleArns: readonly string[];
      }
    | undefined;
}

interface ContainerDefinition {
  name: string;
  image: string;
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
}

function taskDefinition(model: PlanModel, resource: PlanResource): TaskDefinition {
  const raw = resource.inputs["containerDefinitions"];
  if (typeof raw !== "string") throw new Error(`${resource.name}: containerDefinitions is not JSON text`);
  const containers = (JSON.parse(raw) as ContainerDefinition[]).map((definition) => ({
    name: definition.name,
    image: definition.image,
    environment: Object.fromEntries((definition.environment ?? []).map((e) => [e.name, e.value])),
    secrets: Object.fromEntries((definition.secrets ?? []).map((s) => [s.name, s.valueFrom])),
    logGroup: definition.logConfiguration?.options?.["awslogs-group"],
    logStreamPrefix: definition.logConfiguration?.options?.["awslogs-stream-prefix"],
  }));
  const taskRoleArn = resource.inputs["taskRoleArn"];
  return {
    resource,
    family: String(resource.inputs["family"]),
    executionRole: model.role(String(resource.inputs["executionRoleArn"])),
    taskRole: typeof taskRoleArn === "string" ? model.role(taskRoleArn) : undefined,
    containers,
  };
}

export function workload(model: PlanModel): Workload {
  const service = model.one("aws:ecs/service:Service");
  const definitions = model.ofType("aws:ecs/taskDefinition:TaskDefinition");
  const app = definitions.find((definition) => model.arn(definition) === service.inputs["taskDefinition"]);
  if (app === undefined) throw new Error("the service runs no task definition of the plan");
  const migrate = definitions.find((definition) =>
    (JSON.parse(String(definition.inputs["containerDefinitions"])) as ContainerDefinition[]).some(
      (container) => container.name === CONTAINER_NAMES.migrate,
    ),
  );
  if (migrate === undefined)
    throw new Error(`no task definition runs a "${CONTAINER_NAMES.migrate}" container`);
  const balancing = (service.inputs["loadBalancers"] as Record<string, unknown>[] | undefined)?.[0];
  const advanced = balancing?.["advancedConfiguration"] as Record<string, string> | undefined;
  return {
    service,
    clusterName: String(service.inputs["cluster"]).split("/").at(-1)!,
    app: taskDefinition(model, app),
    migrate: taskDefinition(model, migrate),
    blueGreen:
      advanced === undefined
        ? undefined
        : {
            role: model.role(advanced["roleArn"]!),
            targetGroupArns: [String(balancing!["targetGroupArn"]), advanced["alternateTargetGroupArn"]!],
            listenerRuleArns: [advanced["productionListenerRule"]!, advanced["testListenerRule"]].filter(
              (rule): rule is string => rule !== undefined,
            ),
          },
  };
}

/** `arn:…:secret:name-AbCdEf:password::` (an ECS JSON-key reference) → the secret's own ARN. */
export function secretArnOf(valueFrom: string): string {
  return valueFrom.split(":").slice(0, 7).join(":");
}

/** The Secrets Manager secrets of the plan (its own and RDS-managed master secrets) with their key. */
export function secretsOf(model: PlanModel): { arn: string; kmsKeyId: string; master: boolean }[] {
  const own = model.ofType("aws:secretsmanager/secret:Secret").map((secret) => ({
    arn: model.arn(secret),
    kmsKeyId: String(secret.inputs["kmsKeyId"]),
    master: false,
  }));
  const databases = [
    ...model.ofType("aws:rds/instance:Instance"),
    ...model.ofType("aws:rds/cluster:Cluster"),
  ];
  const masters = databases.flatMap((database) =>
    ((model.state(database)["masterUserSecrets"] as { secretArn: string }[]) ?? []).map((secret) => ({
      arn: secret.secretArn,
      kmsKeyId: String(database.inputs["masterUserSecretKmsKeyId"]),
      master: true,
    })),
  );
  return [...own, ...masters];
}

/** The database the service connects to: its IAM resource id (`db-…` / `cluster-…`) and master user. */
export function databaseOf(model: PlanModel): { resourceId: string; masterUser: string } {
  const instances = model.ofType("aws:rds/instance:Instance");
  const clusters = model.ofType("aws:rds/cluster:Cluster");
  const database = clusters[0] ?? instances[0];
  if (database === undefined) throw new Error("the plan has no database");
  const state = model.state(database);
  return {
    resourceId: String(state["clusterResourceId"] ?? state["resourceId"]),
    masterUser: String(database.inputs["masterUsername"] ?? database.inputs["username"]),
  };
}
