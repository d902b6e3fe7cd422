/** `fastcart token`: prints a JWT signed with AUTH_JWT_SECRET, and nothing else on stdout. */
import type { Command } from "commander";
import { loadConfig, readProcessEnv } from "../../config.js";
import { defineCommand, integerIn, nonBlank } from "../command.js";

export function tokenCommand(): Command {
  return defineCommand({
    name: "token",
    summary: "print a JWT signed with AUTH_JWT_SECRET (only the token, for $(…))",
    examples: [
      "export ADMIN_TOKEN=$(AUTH_JWT_SECRET=$SECRET npx fastcart token --sub ops-1 --admin)",
      "AUTH_JWT_SECRET=$SECRET npx fastcart token --sub customer-42 --ttl 600",
    ],
    notes: ["AUTH_ISSUER and AUTH_AUDIENCE, when set, become the token's iss and aud claims."],
  })
    .requiredOption("--sub <customer-id>", "the token's subject: the customer id (required)", nonBlank)
    .option("--admin", "add the admin scope (manage the catalog, read every order)", false)
    .option("--ttl <seconds>", "lifetime in seconds, 1 to 2592000 (30 days)", integerIn(1, 30 * 86_400), 3600)
    .action(async (options: { sub: string; admin: boolean; ttl: number }) => {
      const config = loadConfig(readProcessEnv(), { database: false, auth: true });
      const { token } = await import("../../roles/token.js");
      const jwt = await token(config, { sub: options.sub, admin: options.admin, ttlSeconds: options.ttl });
      process.stdout.write(`${jwt}\n`);
    });
}
