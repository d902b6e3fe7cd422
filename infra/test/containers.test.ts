import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { CONTAINER_PORT, HEALTH_PATH, SERVICE_ENV, WORKER_PORT } from "@fastcart/service/contract";
import {
  assertNoPlainSecrets,
  containerDefinition,
  healthCheckCommand,
  SCRATCH_VOLUME,
} from "../src/containers.js";

const settings = {
  image: `repo/fastcart@sha256:${"c".repeat(64)}`,
  region: "eu-central-1",
  logGroupName: "/ecs/fastcart-orders-t",
  environment: { LOG_LEVEL: "info", DB_HOST: "db.internal", PORT: "3000" },
  secrets: {
    DB_PASSWORD: "arn:aws:secretsmanager:eu-central-1:1:secret:x:password::",
    AUTH_JWT_SECRET: "arn:jwt",
  },
};

describe("container definitions", () => {
  it("runs `fastcart serve` as the essential `api` container on the contract port with a health check", () => {
    const api = containerDefinition("serve", settings);
    assert.equal(api["name"], "api");
    assert.equal(api["image"], settings.image);
    assert.equal(api["essential"], true);
    assert.deepEqual(api["command"], ["serve"]);
    assert.equal(api["entryPoint"], undefined, "the image's own entrypoint (fastcart) is kept");
    assert.deepEqual(api["portMappings"], [
      { name: "http", containerPort: CONTAINER_PORT, hostPort: CONTAINER_PORT, protocol: "tcp" },
    ]);
    const healthCheck = api["healthCheck"] as { command: string[] };
    assert.deepEqual(healthCheck.command.slice(0, 3), ["CMD", "node", "-e"]);
    assert.ok(healthCheck.command[3]!.includes(`http://127.0.0.1:${CONTAINER_PORT}${HEALTH_PATH}`));
  });

  it("gives the worker its own probe port (shared network namespace) and migrate no port or health check", () => {
    const worker = containerDefinition("work", settings) as {
      command: string[];
      environment: { name: string; value: string }[];
      healthCheck: { command: string[] };
      portMappings?: unknown;
    };
    assert.deepEqual(worker.command, ["work"]);
    assert.equal(worker.portMappings, undefined);
    assert.deepEqual(
      worker.environment.find((e) => e.name === "PORT"),
      { name: "PORT", value: String(WORKER_PORT) },
    );
    assert.deepEqual(worker.healthCheck.command, healthCheckCommand(WORKER_PORT));

    const migrate = containerDefinition("migrate", settings) as Record<string, unknown> & {
      environment: { name: string }[];
    };
    assert.deepEqual(migrate["command"], ["migrate"]);
    assert.equal(migrate["portMappings"], undefined);
    assert.equal(migrate["healthCheck"], undefined);
    assert.equal(
      migrate.environment.find((e) => e.name === "PORT"),
      undefined,
    );
  });

  it("enables the ECS init process in every container (reaps zombies, forwards SIGTERM)", () => {
    for (const role of ["serve", "work", "migrate"] as const) {
      assert.deepEqual(containerDefinition(role, settings)["linuxParameters"], { initProcessEnabled: true });
    }
  });

  it("makes every root filesystem read-only, with the scratch volume as the writable /tmp", () => {
    assert.deepEqual(SCRATCH_VOLUME, { name: "scratch", containerPath: "/tmp" });
    for (const role of ["serve", "work", "migrate"] as const) {
      const definition = containerDefinition(role, settings);
      assert.equal(definition["readonlyRootFilesystem"], true, role);
      assert.deepEqual(definition["mountPoints"], [
        { sourceVolume: "scratch", containerPath: "/tmp", readOnly: false },
      ]);
    }
  });

  it("sorts environment and secrets, and ships logs with awslogs in non-blocking mode", () => {
    const definition = containerDefinition("work", settings) as {
      environment: { name: string; value: string }[];
      secrets: { name: string; valueFrom: string }[];
      logConfiguration: { logDriver: string; options: Record<string, string> };
    };
    assert.deepEqual(
      definition.environment.map((e) => e.name),
      ["DB_HOST", "LOG_LEVEL", "PORT"],
    );
    assert.deepEqual(definition.secrets, [
      { name: "AUTH_JWT_SECRET", valueFrom: "arn:jwt" },
      { name: "DB_PASSWORD", valueFrom: settings.secrets.DB_PASSWORD },
    ]);
    assert.equal(definition.logConfiguration.logDriver, "awslogs");
    assert.equal(definition.logConfiguration.options["awslogs-stream-prefix"], "worker");
    assert.equal(definition.logConfiguration.options["mode"], "non-blocking");
  });

  it("refuses secret variables as plain environment", () => {
    assert.throws(
      () =>
        containerDefinition("serve", {
          ...settings,
          environment: { DB_PASSWORD: "hunter2", REDIS_AUTH_TOKEN: "t" },
        }),
      /must be injected through ECS secrets, not environment: DB_PASSWORD, REDIS_AUTH_TOKEN/,
    );
    for (const name of Object.keys(SERVICE_ENV) as (keyof typeof SERVICE_ENV)[]) {
      const secret = (SERVICE_ENV[name] as { secret?: boolean }).secret === true;
      if (secret) assert.throws(() => assertNoPlainSecrets({ [name]: "x" }), new RegExp(name));
      else assert.doesNotThrow(() => assertNoPlainSecrets({ [name]: "x" }));
    }
  });

  it("builds the health probe from the contract and exits non-zero on failure", () => {
    const [, , , script] = healthCheckCommand(8080, "/live");
    assert.equal(
      script,
      "fetch('http://127.0.0.1:8080/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))",
    );
  });

  it("the probe really exits 0 on a 2xx, 1 on a 5xx and 1 when nothing listens", async () => {
    const server = createServer((request, response) => {
      response.statusCode = request.url === "/health" ? 200 : 500;
      response.end();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    const run = async (path: string, probePort = port) => {
      const [, node, flag, script] = healthCheckCommand(probePort, path);
      return new Promise<number | null>((done) => {
        spawn(node === "node" ? process.execPath : node!, [flag!, script!]).on("exit", (code) => done(code));
      });
    };
    try {
      assert.equal(await run("/health"), 0);
      assert.equal(await run("/broken"), 1);
    } finally {
      server.close();
    }
    assert.equal(await run("/health", port), 1, "closed port");
  });
});
