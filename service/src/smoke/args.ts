/**
 * Command line of the smoke suite → typed, validated options. Bad input is a usage error that names
 * the flag and the rule, so a CI log says what to fix instead of failing a check later.
 */
import { parseArgs } from "node:util";

export interface SmokeOptions {
  /** Base URL of the API, without a trailing slash (a path prefix is kept). */
  baseUrl: string;
  /**
   * Bearer token with scope `admin`: manages the catalog, reads any order. Absent only when a JWT
   * secret is given: the suite then mints a short-lived admin token itself.
   */
  adminToken?: string;
  /** Optional customer token: enables the customer refusal checks (403 on the catalog, 404 on others' orders). */
  customerToken?: string;
  /** Optional AUTH_JWT_SECRET: the suite mints its own customer tokens (HS256) and places orders as a customer. */
  jwtSecret?: string;
  /** Expected `iss` / `aud` claims for minted tokens, when the API is configured with AUTH_ISSUER / AUTH_AUDIENCE. */
  issuer?: string;
  audience?: string;
  /** Seconds to wait for orders to reach a final status (the workers' end-to-end latency budget). */
  timeoutSeconds: number;
  /** Seconds one HTTP request may take before it counts as failed. */
  requestTimeoutSeconds: number;
  /** Seconds to wait for /ready to answer 200 before the checks start (0: do not wait). */
  waitReadySeconds: number;
  /** Print one JSON document instead of lines. */
  json: boolean;
}

/** Environment variables the smoke CLI reads (explicit names, so a shell's AUTH_JWT_SECRET is never picked up by accident). */
export const SMOKE_ENV = {
  adminToken: "SMOKE_ADMIN_TOKEN",
  customerToken: "SMOKE_CUSTOMER_TOKEN",
  jwtSecret: "SMOKE_JWT_SECRET",
} as const;

export class UsageError extends Error {}

export type ParsedCommand = { kind: "help" } | { kind: "run"; options: SmokeOptions };

function seconds(
  flag: string,
  raw: string | undefined,
  fallback: number,
  max: number,
  allowZero = false,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const tooSmall = allowZero ? value < 0 : value <= 0;
  if (raw.trim() === "" || !Number.isFinite(value) || tooSmall || value > max) {
    const low = allowZero ? ">= 0" : "> 0";
    throw new UsageError(`--${flag}: must be a number of seconds ${low} and <= ${max}, got "${raw}"`);
  }
  return value;
}

function nonEmpty(flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === "") throw new UsageError(`--${flag}: must not be empty`);
  return raw.trim();
}

/** A POSIX-shell environment variable name (what `--secret-env` may name). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `--secret-env NAME`: the secret is read from the variable NAME. The one-off task of the service's own
 * image uses it with the variable the container already receives from Secrets Manager, so no secret is
 * written into the task's command line or its environment overrides, which DescribeTasks shows.
 */
function secretFromEnv(
  name: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (name === undefined) return undefined;
  if (!ENV_NAME.test(name)) {
    throw new UsageError(
      `--secret-env: must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got "${name}"`,
    );
  }
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new UsageError(`--secret-env: environment variable ${name} is not set or empty`);
  }
  return value.trim();
}

function baseUrlOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url: not a URL: "${raw}" (expected e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url: must be http:// or https://, got "${url.protocol}"`);
  }
  if (url.search || url.hash) throw new UsageError(`--url: must not carry a query or fragment: "${raw}"`);
  return url.href.replace(/\/+$/, "");
}

export function parseSmokeArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommand {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: "help" };

  const url = nonEmpty("url", values.url);
  if (!url) throw new UsageError("--url: required (the API base URL)");
  if (values.secret !== undefined && values["secret-env"] !== undefined) {
    throw new UsageError("--secret and --secret-env: give one of them, not both");
  }
  const secretFlag = values["secret-env"] === undefined ? "secret" : "secret-env";
  const jwtSecret =
    secretFromEnv(values["secret-env"], env) ?? nonEmpty("secret", values.secret ?? env[SMOKE_ENV.jwtSecret]);
  if (jwtSecret && Buffer.byteLength(jwtSecret) < 32) {
    // The service refuses shorter HS256 secrets (config.ts), so a short one here is a typo.
    throw new UsageError(`--${secretFlag}: must be at least 32 bytes (the service's AUTH_JWT_SECRET rule)`);
  }
  const adminToken = nonEmpty("token", values.token ?? env[SMOKE_ENV.adminToken]);
  if (!adminToken && !jwtSecret) {
    throw new UsageError(
      `--token: required (an admin token, scope admin; or set ${SMOKE_ENV.adminToken}; or give --secret / --secret-env to mint one)`,
    );
  }

  const options: SmokeOptions = {
    baseUrl: baseUrlOf(url),
    timeoutSeconds: seconds("timeout", values.timeout, 60, 3600),
    requestTimeoutSeconds: seconds("request-timeout", values["request-timeout"], 10, 600),
    waitReadySeconds: seconds("wait-ready", values["wait-ready"], 0, 3600, true),
    json: values.json ?? false,
  };
  if (adminToken) options.adminToken = adminToken;
  const customerToken = nonEmpty("customer-token", values["customer-token"] ?? env[SMOKE_ENV.customerToken]);
  if (customerToken) options.customerToken = customerToken;
  if (jwtSecret) options.jwtSecret = jwtSecret;
  const issuer = nonEmpty("issuer", values.issuer);
  if (issuer) options.issuer = issuer;
  const audience = nonEmpty("audience", values.audience);
  if (audience) options.audience = audience;
  return { kind: "run", options };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      "customer-token": { type: "string" },
      secret: { type: "string" },
      "secret-env": { type: "string" },
      issuer: { type: "string" },
      audience: { type: "string" },
      timeout: { type: "string" },
      "request-timeout": { type: "string" },
      "wait-ready": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
