/** `fastcart token --sub <customer> [--admin] [--ttl <seconds>]`: a JWT for local use and tests. */
import { ADMIN_SCOPE, mintToken } from "../api/auth.js";
import type { ServiceConfig } from "../config.js";

/** Longest lifetime a minted token may have: 30 days. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86_400;

export interface TokenRequest {
  /** The token's subject: the customer id. */
  sub: string;
  /** Add the admin scope (manage the catalog, read every order). */
  admin: boolean;
  ttlSeconds: number;
}

export async function token(config: ServiceConfig, request: TokenRequest): Promise<string> {
  if (!config.auth.jwtSecret) throw new Error("AUTH_JWT_SECRET must be set to mint a token");
  return mintToken({
    secret: config.auth.jwtSecret,
    sub: request.sub,
    scopes: request.admin ? [ADMIN_SCOPE] : [],
    ttlSeconds: request.ttlSeconds,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
}
