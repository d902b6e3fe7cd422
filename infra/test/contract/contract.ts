/**
 * The infra ↔ service contract, checked on a stack's offline plan: what the ECS task definitions give
 * the containers must be what the service reads (its own config loader decides), delivered the way the
 * service expects (secrets through `secrets`), on the port and health path it serves, running a role it
 * has — and the autoscaling policy must read the metric the service publishes.
 *
 * Returns one line per violation, naming the resource, the container and the rule, so a failing test
 * says exactly which side drifted.
 */
import { ConfigError, type ConfigNeeds, type Env, loadConfig } from "@fastcart/service/config";
import {
  CONTAINER_PORT,
  CONTAINER_ROLES,
  type ContainerRole,
  HEALTH_PATH,
  PENDING_ORDERS_METRIC,
  READY_PATH,
  SECRET_ENV_NAMES,
  SERVICE_ENV,
  type ServiceEnvName,
  WORKER_PORT,
} from "@fastcart/service/contract";
import type { Plan, PlanResource } from "../../src/plan/types.js";

export interface ContainerDefinition {
  name: string;
  command?: string[];
  entryPoint?: string[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  portMappings?: { containerPort: number }[];
  healthCheck?: { command: string[] };
  linuxParameters?: { initProcessEnabled?: boolean };
}

/** What each role needs from its environment (mirrors service/src/main.ts). */
const ROLE_NEEDS: Record<ContainerRole, ConfigNeeds> = {
  serve: { database: true, auth: true },
  work: { database: true, auth: false },
  // adminCredentials: migrate connects as the schema owner (DB_ADMIN_USER/DB_ADMIN_PASSWORD).
  migrate: { database: true, auth: false, adminCredentials: true },
};

/** Variables only `migrate` may receive: the master user's credentials. */
const MIGRATE_ONLY: readonly ServiceEnvName[] = ["DB_ADMIN_USER", "DB_ADMIN_PASSWORD"];

/** A value that satisfies any secret's rules (length ≥ 32 for the JWT secret). */
const SECRET_STANDIN = "secret-value-resolved-by-ecs-at-task-start";

export function containerDefinitions(resource: PlanResource): ContainerDefinition[] {
  const raw = resource.inputs["containerDefinitions"];
  return (typeof raw === "string" ? JSON.parse(raw) : raw) as ContainerDefinition[];
}

/**
 * Plain SSM parameters the stack creates, by parameter path (the part after `:parameter` in the ARN a
 * container's `valueFrom` uses): their values are in the plan, so the service validates the real value.
 * Secrets Manager values get a stand-in.
 */
function ssmParameterValues(plan: Plan): Map<string, string> {
  const values = new Map<string, string>();
  for (const parameter of ofType(plan, "aws:ssm/parameter:Parameter")) {
    const { name, type, ...inputs } = parameter.inputs as {
      name?: string;
      type?: string;
      value?: string;
      insecureValue?: string;
    };
    const value = inputs.insecureValue ?? inputs.value;
    if (!name || typeof value !== "string" || type === "SecureString") continue;
    const path = name.startsWith("/") ? name : `/${name}`;
    values.set(path, value);
  }
  return values;
}

const ofType = (plan: Plan, type: string) => plan.resources.filter((resource) => resource.type === type);

export function contractViolations(plan: Plan): string[] {
  const problems: string[] = [];
  const knownNames = new Set(Object.keys(SERVICE_ENV));
  const environments = new Set<string>();
  const ssmValues = ssmParameterValues(plan);
  const taskDefinitions = ofType(plan, "aws:ecs/taskDefinition:TaskDefinition");
  if (taskDefinitions.length === 0) problems.push("no ECS task definition in the plan");

  for (const taskDefinition of taskDefinitions) {
    for (const container of containerDefinitions(taskDefinition)) {
      const where = `${taskDefinition.name}/${container.name}`;
      const command = container.command ?? [];
      const role = command[0] as ContainerRole;
      if (command.length !== 1 || !CONTAINER_ROLES.includes(role)) {
        problems.push(
          `${where}: command ${JSON.stringify(command)} is not one of the image's roles [${CONTAINER_ROLES.join(", ")}]`,
        );
        continue;
      }
      if (container.entryPoint)
        problems.push(`${where}: entryPoint overrides the image's fastcart entrypoint`);
      if (!container.linuxParameters?.initProcessEnabled) {
        problems.push(
          `${where}: linuxParameters.initProcessEnabled must be true (the image leaves zombie reaping to ECS)`,
        );
      }

      if (role !== "migrate") {
        const names = [...(container.environment ?? []), ...(container.secrets ?? [])].map((e) => e.name);
        for (const name of MIGRATE_ONLY.filter((n) => names.includes(n)))
          problems.push(
            `${where}: ${name} is for migrate only (the ${role} role runs as the application user)`,
          );
      }

      const env: Env = {};
      for (const { name, value } of container.environment ?? []) {
        if (!knownNames.has(name))
          problems.push(`${where}: environment ${name} is not a variable the service reads`);
        if (SECRET_ENV_NAMES.includes(name as ServiceEnvName)) {
          problems.push(`${where}: ${name} is a secret and must arrive through secrets, not environment`);
        }
        env[name as ServiceEnvName] = value;
      }
      for (const { name, valueFrom } of container.secrets ?? []) {
        if (!knownNames.has(name))
          problems.push(`${where}: secret ${name} is not a variable the service reads`);
        if (name in env) problems.push(`${where}: ${name} is set both as environment and as a secret`);
        if (!/^arn:aws:(secretsmanager|ssm):/.test(valueFrom)) {
          problems.push(
            `${where}: secret ${name} valueFrom "${valueFrom}" is not a Secrets Manager or SSM ARN`,
          );
        }
        const ssmPath = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(valueFrom)?.[1];
        env[name as ServiceEnvName] = (ssmPath && ssmValues.get(ssmPath)) || SECRET_STANDIN;
      }

      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(env, ROLE_NEEDS[role]);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        for (const problem of error.problems)
          problems.push(`${where}: the service rejects its environment: ${problem}`);
        continue;
      }
      // The `work` role publishes PendingOrders (EMF) in table mode with METRICS_EMF on.
      if (role === "work" && config.intakeMode === "table" && config.metricsEmf)
        environments.add(config.environment);

      const expectedPort = role === "serve" ? CONTAINER_PORT : role === "work" ? WORKER_PORT : undefined;
      if (expectedPort !== undefined && config.port !== expectedPort) {
        problems.push(
          `${where}: the ${role} role would listen on ${config.port}, the contract says ${expectedPort}`,
        );
      }
      const mappedPorts = (container.portMappings ?? []).map((mapping) => mapping.containerPort);
      if (role === "serve" && !mappedPorts.includes(config.port)) {
        problems.push(
          `${where}: portMappings ${JSON.stringify(mappedPorts)} do not expose the API port ${config.port}`,
        );
      }
      if (role !== "migrate") {
        const probe = (container.healthCheck?.command ?? []).join(" ");
        if (!probe.includes(`:${config.port}${HEALTH_PATH}`)) {
          problems.push(
            `${where}: health check "${probe}" does not probe 127.0.0.1:${config.port}${HEALTH_PATH}`,
          );
        }
      }
      problems.push(...intakeViolations(plan, where, config));
    }
  }

  for (const group of ofType(plan, "aws:lb/targetGroup:TargetGroup")) {
    const check = group.inputs["healthCheck"] as { path?: string } | undefined;
    // Readiness, not liveness: a target that cannot reach the database must take no traffic.
    if (check?.path !== READY_PATH)
      problems.push(`${group.name}: health check path ${check?.path} is not ${READY_PATH}`);
    if (group.inputs["port"] !== CONTAINER_PORT)
      problems.push(`${group.name}: port ${group.inputs["port"]} is not ${CONTAINER_PORT}`);
  }
  for (const service of ofType(plan, "aws:ecs/service:Service")) {
    for (const lb of (service.inputs["loadBalancers"] as {
      containerName: string;
      containerPort: number;
    }[]) ?? []) {
      if (lb.containerName !== "api" || lb.containerPort !== CONTAINER_PORT) {
        problems.push(
          `${service.name}: load balancer targets ${lb.containerName}:${lb.containerPort}, not api:${CONTAINER_PORT}`,
        );
      }
    }
  }
  problems.push(...scalingViolations(plan, environments));
  return problems;
}

function intakeViolations(plan: Plan, where: string, config: ReturnType<typeof loadConfig>): string[] {
  const problems: string[] = [];
  const streams = ofType(plan, "aws:kinesis/stream:Stream");
  if (config.intakeMode === "stream") {
    const names = streams.map((stream) => stream.inputs["name"]);
    if (!names.includes(config.kinesis.streamName)) {
      problems.push(
        `${where}: stream mode reads ${config.kinesis.streamName}, the stack has [${names.join(", ")}]`,
      );
    }
  } else if (streams.length > 0) {
    problems.push(`${where}: table mode, but the stack also deploys a Kinesis stream nobody reads`);
  }
  const engines = [
    ...ofType(plan, "aws:rds/instance:Instance").map((db) => db.inputs["engine"]),
    ...ofType(plan, "aws:rds/cluster:Cluster").map((db) => db.inputs["engine"]),
  ].map((engine) => (String(engine).includes("mysql") ? "mysql" : "postgres"));
  if (config.database && !engines.includes(config.database.engine)) {
    problems.push(`${where}: DB engine ${config.database.engine}, the stack deploys [${engines.join(", ")}]`);
  }
  return problems;
}

interface MetricStat {
  metric?: { namespace?: string; metricName?: string; dimensions?: { name: string; value: string }[] };
}

function scalingViolations(plan: Plan, environments: Set<string>): string[] {
  const problems: string[] = [];
  for (const policy of ofType(plan, "aws:appautoscaling/policy:Policy")) {
    const spec = (
      policy.inputs["targetTrackingScalingPolicyConfiguration"] as Record<string, unknown> | undefined
    )?.["customizedMetricSpecification"] as
      | { metrics?: { metricStat?: MetricStat }[]; metricName?: string }
      | undefined;
    if (!spec) continue;
    const stats = (spec.metrics ?? []).map((metric) => metric.metricStat?.metric).filter((metric) => metric);
    const pending = stats.find((metric) => metric?.namespace === PENDING_ORDERS_METRIC.namespace);
    if (!pending || pending.metricName !== PENDING_ORDERS_METRIC.name) {
      problems.push(
        `${policy.name}: does not read ${PENDING_ORDERS_METRIC.namespace}/${PENDING_ORDERS_METRIC.name}`,
      );
      continue;
    }
    const dimensions = pending.dimensions ?? [];
    const dimension = dimensions.find((d) => d.name === PENDING_ORDERS_METRIC.dimension);
    if (dimensions.length !== 1 || !dimension || !environments.has(dimension.value)) {
      problems.push(
        `${policy.name}: dimensions ${JSON.stringify(dimensions)} differ from what the workers publish ` +
          `(${PENDING_ORDERS_METRIC.dimension}=${[...environments].join("|") || "nothing: no table-mode worker with METRICS_EMF=true"})`,
      );
    }
  }
  return problems;
}
