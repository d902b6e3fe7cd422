/** `fastcart token --sub <customer> [--admin] [--ttl <seconds>]`: prints a JWT for local use. */
import { parseArgs } from "node:util";
import { ADMIN_SCOPE, mintToken } from "../api/auth.js";
import type { ServiceConfig } from "../config.js";

export async function token(config: ServiceConfig, argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: "string" },
      admin: { type: "boolean", default: false },
      ttl: { type: "string", default: "3600" },
    },
    strict: true,
  });
  if (!values.sub) throw new Error("--sub <customer-id> is required (the token's subject)");
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 30 * 86_400) {
    throw new Error(`--ttl: must be whole seconds from 1 to ${30 * 86_400} (got "${values.ttl}")`);
  }
  if (!config.auth.jwtSecret) throw new Error("AUTH_JWT_SECRET must be set to mint a token");
  return mintToken({
    secret: config.auth.jwtSecret,
    sub: values.sub,
    scopes: values.admin ? [ADMIN_SCOPE] : [],
    ttlSeconds,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
}
