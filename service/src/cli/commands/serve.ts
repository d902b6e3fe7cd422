/** `fastcart serve`: the order API (the ECS "api" container). */
import type { Command } from "commander";
import { type Env, loadConfig, readProcessEnv } from "../../config.js";
import { createLogger } from "../../telemetry/logger.js";
import { defineCommand, integerIn } from "../command.js";

export function serveCommand(): Command {
  return defineCommand({
    name: "serve",
    summary: "the order API on PORT (container role: the ECS task's api container)",
    examples: [
      "DATABASE_URL=postgres://127.0.0.1/fastcart AUTH_JWT_SECRET=$SECRET npx fastcart serve",
      "npx fastcart serve --port 3005 --host 127.0.0.1",
    ],
    notes: [
      "Configuration comes from the environment (see the README's configuration table); a bad value",
      "stops it with exit 78 naming the variable. Needs a migrated database: npx fastcart migrate.",
    ],
  })
    .option("-p, --port <port>", "HTTP port (overrides PORT; default 3000)", integerIn(0, 65_535))
    .option("--host <address>", "address to bind (overrides HOST; default 0.0.0.0)")
    .action(async (options: { port?: number; host?: string }) => {
      const env: Env = readProcessEnv();
      if (options.port !== undefined) env.PORT = String(options.port);
      if (options.host !== undefined) env.HOST = options.host;
      const config = loadConfig(env);
      const { serve } = await import("../../roles/serve.js");
      await serve(config, createLogger(config));
    });
}
