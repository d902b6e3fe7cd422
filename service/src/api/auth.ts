/**
 * Bearer-token authentication (RFC 6750) with jose.
 *
 * Tokens are JWTs signed either with the shared HS256 secret (`AUTH_JWT_SECRET`) or by an identity
 * provider whose public keys are published as a JWKS (`AUTH_JWKS_URL`; jose fetches, caches and rotates
 * them). `sub` is the customer id; a scope claim containing `admin` (space-separated `scope`, or the
 * `scp` array some providers use) makes the caller an administrator. `iss`/`aud` are checked when
 * configured, and `exp` is required: a token that never expires is a credential that never dies.
 */

import type { FastifyInstance, onRequestHookHandler } from "fastify";
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from "jose";
import type { AuthConfig } from "../config.js";
import { LIMITS } from "../orders/schemas.js";
import { isStorableText } from "../orders/storable-text.js";
import { type HttpProblem, problems } from "./errors.js";

export const ADMIN_SCOPE = "admin";

/** The authenticated caller of a request. */
export interface Caller {
  /** Customer id (the token's `sub`). */
  readonly sub: string;
  readonly admin: boolean;
  readonly scopes: readonly string[];
}

export type TokenVerifier = (token: string) => Promise<Caller>;

const HMAC_ALGORITHMS = ["HS256"];
// Asymmetric algorithms an identity provider may sign with; never `none`, never HS* with a public key.
const JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

/**
 * Builds the verifier for the configured key source. Failures are HttpProblems: 401 for anything wrong
 * with the token, 503 when the JWKS endpoint cannot be reached (our outage, not the caller's fault).
 */
export function createTokenVerifier(auth: AuthConfig): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (auth.jwksUrl) {
    key = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30_000 });
    algorithms = JWKS_ALGORITHMS;
  } else if (auth.jwtSecret) {
    key = new TextEncoder().encode(auth.jwtSecret);
    algorithms = HMAC_ALGORITHMS;
  } else {
    throw new Error("auth: AUTH_JWT_SECRET or AUTH_JWKS_URL is required to verify bearer tokens");
  }
  const options = {
    algorithms,
    issuer: auth.issuer,
    audience: auth.audience,
    requiredClaims: ["sub", "exp"],
    clockTolerance: 5,
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      // Both branches call the same function; TypeScript needs them split by key type.
      payload =
        key instanceof Uint8Array
          ? (await jwtVerify(token, key, options)).payload
          : (await jwtVerify(token, key, options)).payload;
    } catch (error) {
      throw tokenProblem(error);
    }
    if (
      typeof payload.sub !== "string" ||
      payload.sub.length === 0 ||
      payload.sub.length > LIMITS.customerIdMaxLength ||
      !isStorableText(payload.sub)
    ) {
      // The sub becomes the customerId of every order and query: the same rule as that field.
      throw problems.unauthorized(
        `the token's sub claim must be a customer id of 1–${LIMITS.customerIdMaxLength} characters of storable text`,
        "invalid_token",
      );
    }
    const scopes = scopesOf(payload);
    return { sub: payload.sub, admin: scopes.includes(ADMIN_SCOPE), scopes };
  };
}

function scopesOf(payload: JWTPayload): string[] {
  const scope = payload.scope;
  if (typeof scope === "string") return scope.split(" ").filter((s) => s.length > 0);
  const scp = payload.scp;
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === "string");
  if (typeof scp === "string") return scp.split(" ").filter((s) => s.length > 0);
  return [];
}

function tokenProblem(error: unknown): HttpProblem {
  if (error instanceof joseErrors.JWTExpired)
    return problems.unauthorized("the token has expired", "invalid_token");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return problems.unauthorized(
      `the token's ${error.claim} claim is invalid: ${error.reason}`,
      "invalid_token",
    );
  }
  if (error instanceof joseErrors.JWKSTimeout) {
    return problems.unavailable("the identity provider's signing keys could not be fetched in time");
  }
  if (error instanceof joseErrors.JOSEError) {
    // Bad signature, malformed token, unknown key id, disallowed algorithm…: the caller's token is bad.
    return problems.unauthorized(
      error instanceof joseErrors.JWSSignatureVerificationFailed
        ? "the token's signature is invalid"
        : `the token is invalid (${error.code})`,
      "invalid_token",
    );
  }
  // Not a JOSE error: the JWKS fetch itself failed (network, DNS, non-JSON answer).
  return problems.unavailable("the identity provider's signing keys could not be fetched");
}

/**
 * A short-lived memo of verified tokens. A client sends the same token with every request, and the
 * HMAC check plus claim parsing is the most expensive step of a small request; the memo lasts at most
 * `ttlMs` and never past the token's own expiry. Bounded: when full it is cleared (cheap, and a full
 * memo means many distinct tokens, where memoising helps least).
 */
export function memoizeVerifier(verify: TokenVerifier, ttlMs = 30_000, maxEntries = 10_000): TokenVerifier {
  const memo = new Map<string, { caller: Caller; until: number }>();
  return async (token) => {
    const now = Date.now();
    const hit = memo.get(token);
    if (hit !== undefined && hit.until > now) return hit.caller;
    const caller = await verify(token);
    const exp = expiryOf(token);
    const until = Math.min(now + ttlMs, exp === undefined ? now : exp * 1000);
    if (until > now) {
      if (memo.size >= maxEntries) memo.clear();
      memo.set(token, { caller, until });
    }
    return caller;
  };
}

/** `exp` of an already-verified compact JWT. */
function expiryOf(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as JWTPayload).exp;
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `Authorization: Bearer <token>`; a missing or non-Bearer header is a 401. */
function bearerToken(header: string | undefined): string {
  if (header === undefined || header.length === 0) {
    throw problems.unauthorized("send Authorization: Bearer <token>");
  }
  // "Bearer" is case-insensitive (RFC 7235); compare without building a regex per request.
  if (header.length < 8 || header.slice(0, 7).toLowerCase() !== "bearer ") {
    throw problems.unauthorized("the Authorization header must use the Bearer scheme", "invalid_token");
  }
  const token = header.slice(7).trim();
  if (token.length === 0) throw problems.unauthorized("the bearer token is empty", "invalid_token");
  return token;
}

export interface MintTokenOptions {
  secret: string;
  sub: string;
  scopes?: readonly string[];
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 token (for the `token` CLI role, local mode and tests). */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  let jwt = new SignJWT({ scope: (options.scopes ?? []).join(" ") })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(options.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the authentication hook on every protected route. */
    caller: Caller;
  }
}

export interface AuthHooks {
  /** onRequest hook: any valid token. */
  requireCaller: onRequestHookHandler;
  /** onRequest hook: a valid token with the admin scope (403 otherwise). */
  requireAdmin: onRequestHookHandler;
}

/** Registers the `caller` request slot and returns the hooks routes opt into. */
export function registerAuth(app: FastifyInstance, verify: TokenVerifier): AuthHooks {
  app.decorateRequest("caller", null as unknown as Caller);
  const requireCaller: onRequestHookHandler = async (request) => {
    request.caller = await verify(bearerToken(request.headers.authorization));
  };
  const requireAdmin: onRequestHookHandler = async (request) => {
    const caller = await verify(bearerToken(request.headers.authorization));
    if (!caller.admin) throw problems.forbidden(`this operation needs the ${ADMIN_SCOPE} scope`, ADMIN_SCOPE);
    request.caller = caller;
  };
  return { requireCaller, requireAdmin };
}
