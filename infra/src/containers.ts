/**
 * ECS container definitions, derived from the service contract (`@fastcart/service/contract`): the
 * port, health path, roles (`command: [role]`; the image's entrypoint is the `fastcart` CLI) and the
 * environment variable names. Names are typed as `ServiceEnvName`, so a name the service does not read
 * fails `tsc`; a secret name passed as plain environment fails at run time (and in the tests).
 */
import {
  CONTAINER_PORT,
  type ContainerRole,
  HEALTH_PATH,
  SECRET_ENV_NAMES,
  type ServiceEnvName,
  WORKER_PORT,
} from "@fastcart/service/contract";
import type * as pulumi from "@pulumi/pulumi";

/** Environment variable name → plain value. */
export type ContainerEnvironment = Partial<Record<ServiceEnvName, pulumi.Input<string>>>;
/** Environment variable name → `valueFrom` (Secrets Manager ARN[:json-key::] or SSM parameter ARN). */
export type ContainerSecrets = Partial<Record<ServiceEnvName, pulumi.Input<string>>>;

export interface ContainerSettings {
  /** `<repository>@sha256:<digest>` (see image.ts). */
  readonly image: pulumi.Input<string>;
  readonly region: string;
  readonly logGroupName: pulumi.Input<string>;
  readonly environment: ContainerEnvironment;
  readonly secrets: ContainerSecrets;
}

/**
 * The one writable place in a container: every container's root filesystem is read-only, and the
 * service writes only to the OS temp directory (`os.tmpdir()`, TMPDIR unset → /tmp: Node and the
 * libraries it loads put scratch files there; logs go to stdout). The task definition declares the
 * volume without a host path, which on Fargate is task ephemeral storage, empty at task start.
 */
export const SCRATCH_VOLUME = { name: "scratch", containerPath: "/tmp" } as const;

/** Container name per role: the ALB targets `api`. */
export const CONTAINER_NAMES: Readonly<Record<ContainerRole, string>> = {
  serve: "api",
  work: "worker",
  migrate: "migrate",
};

/** Port each long-running role listens on (the worker's is its /health + /metrics probe). */
export const ROLE_PORTS: Readonly<Record<ContainerRole, number | undefined>> = {
  serve: CONTAINER_PORT,
  work: WORKER_PORT,
  migrate: undefined,
};

/**
 * Liveness probe without curl (the image is node-only): fetch the health path on loopback and exit
 * 0 on a 2xx answer, 1 otherwise.
 */
export function healthCheckCommand(port: number = CONTAINER_PORT, path: string = HEALTH_PATH): string[] {
  return [
    "CMD",
    "node",
    "-e",
    `fetch('http://127.0.0.1:${port}${path}').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))`,
  ];
}

/** Throws if a name that must only arrive through `secrets` is set as plain environment. */
export function assertNoPlainSecrets(environment: ContainerEnvironment): void {
  const leaked = Object.keys(environment).filter((name) => SECRET_ENV_NAMES.includes(name as ServiceEnvName));
  if (leaked.length > 0) {
    throw new Error(
      `secret variables must be injected through ECS secrets, not environment: ${leaked.join(", ")}`,
    );
  }
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** One container definition running `fastcart <role>`. */
export function containerDefinition(
  role: ContainerRole,
  settings: ContainerSettings,
): Record<string, unknown> {
  assertNoPlainSecrets(settings.environment);
  const name = CONTAINER_NAMES[role];
  // api and worker share the task's network namespace (awsvpc): each listens on its own port.
  const port = ROLE_PORTS[role];
  const roleEnvironment: ContainerEnvironment = { ...settings.environment };
  if (port === undefined) delete roleEnvironment.PORT;
  else roleEnvironment.PORT = String(port);
  const environment = Object.entries(roleEnvironment)
    .map(([envName, value]) => ({ name: envName, value }))
    .sort(byName);
  const secrets = Object.entries(settings.secrets)
    .map(([envName, valueFrom]) => ({ name: envName, valueFrom }))
    .sort(byName);
  const definition: Record<string, unknown> = {
    name,
    image: settings.image,
    essential: true,
    command: [role],
    environment,
    secrets,
    // A compromised or buggy process cannot replace the code it runs or plant files beside it.
    readonlyRootFilesystem: true,
    mountPoints: [
      { sourceVolume: SCRATCH_VOLUME.name, containerPath: SCRATCH_VOLUME.containerPath, readOnly: false },
    ],
    // The service drains and exits within 25 s of SIGTERM; ECS kills at stopTimeout.
    stopTimeout: 30,
    // ECS runs its init (tini) as PID 1: it reaps zombies and forwards SIGTERM to the service.
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": settings.logGroupName,
        "awslogs-region": settings.region,
        "awslogs-stream-prefix": name,
        // Logs never block the event loop; a burst beyond the buffer is dropped, not back-pressured.
        mode: "non-blocking",
        "max-buffer-size": "25m",
      },
    },
  };
  if (role === "serve") {
    definition["portMappings"] = [
      { name: "http", containerPort: CONTAINER_PORT, hostPort: CONTAINER_PORT, protocol: "tcp" },
    ];
  }
  if (port !== undefined) {
    definition["healthCheck"] = {
      command: healthCheckCommand(port),
      interval: 15,
      timeout: 5,
      retries: 3,
      startPeriod: 20,
    };
  }
  return definition;
}
