#!/usr/bin/env node
/**
 * `fastcart <role>`: one program, one image, several roles. The ECS task definitions run `serve`,
 * `work` and `migrate` (contract.ts CONTAINER_ROLES); `local`, `token` and `load` are for laptops.
 */
import { ConfigError, loadConfig, readProcessEnv } from "./config.js";
import { CONTAINER_ROLES } from "./contract.js";
import { importDevTool } from "./dev-tools.js";
import { createLogger } from "./telemetry/logger.js";

const USAGE = `usage: fastcart <role> [options]

container roles (ECS):
  serve     the order API on PORT (default 3000)
  work      order workers for INTAKE_MODE (stream: Kinesis shards; table: PENDING rows)
  migrate   apply database migrations, then exit

laptop roles:
  local     the whole system in one process on embedded defaults (what \`npm start\` runs)
  token     print a JWT signed with AUTH_JWT_SECRET: token --sub <customer-id> [--admin] [--ttl 3600]
  load      drive a running API and report orders/s and latency (see \`npm run bench\`)

Configuration is read from the environment; see the README's configuration table.`;

const ROLES = [...CONTAINER_ROLES, "local", "token", "load"] as const;

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv;
  if (!role || role === "help" || role === "--help" || role === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return role ? 0 : 2;
  }
  const env = readProcessEnv();
  switch (role) {
    case "serve": {
      const config = loadConfig(env);
      const { serve } = await import("./roles/serve.js");
      await serve(config, createLogger(config));
      return 0;
    }
    case "work": {
      const config = loadConfig(env, { database: true, auth: false });
      const { work } = await import("./roles/work.js");
      await work(config, createLogger(config));
      return 0;
    }
    case "migrate": {
      const config = loadConfig(env, { database: true, auth: false, adminCredentials: true });
      const { runMigrations } = await import("./roles/migrate.js");
      await runMigrations(config, createLogger(config));
      return 0;
    }
    case "local": {
      const { local } = await importDevTool("local");
      await local(env);
      return 0;
    }
    case "token": {
      const config = loadConfig(env, { database: false, auth: true });
      const { token } = await import("./roles/token.js");
      process.stdout.write(`${await token(config, rest)}\n`);
      return 0;
    }
    case "load": {
      const { load } = await importDevTool("load");
      return load(rest);
    }
    default:
      process.stderr.write(
        `fastcart: unknown role "${role}" (expected one of ${ROLES.join(", ")})\n\n${USAGE}\n`,
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `fastcart: ${error.message}\nSee the README's configuration table for every variable.\n`,
      );
      process.exitCode = 78; // EX_CONFIG
    } else {
      process.stderr.write(`fastcart: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
