/**
 * "The database refused these credentials", recognised for both engines, and the retry that lets a
 * pool ride out a rotation: drop the cached secret, wait a little, connect again with a fresh one.
 */
import type { CredentialSource } from "./credentials.js";
import { isAuthenticationFailure } from "./dialect/authentication.js";

export { isAuthenticationFailure };

/**
 * How long a refused credential is retried before the refusal stands: a staged rotation updates the
 * secret a moment after changing the password, well within this. The table intake rides out the
 * sessions a rotation kills for as long.
 */
export const CREDENTIAL_REFUSAL_WINDOW_MS = 20_000;

export interface CredentialRetryOptions {
  /** Keep retrying refused connections for this long before giving up (default 20 s). */
  windowMs?: number;
  /** First wait between attempts, doubled up to 2 s (default 100 ms). */
  backoffMs?: number;
  /** Told about each refusal (the pool's log line / metric). */
  onRefused?: (error: unknown, attempt: number) => void;
}

const MAX_BACKOFF_MS = 2_000;

/**
 * Runs `connect`; while the database refuses the credentials, invalidates the source and tries again
 * with fresh ones until `windowMs` has passed. A rotation updates the secret a moment after changing
 * the password, so requests that need a new connection in between wait instead of failing.
 */
export async function connectWithFreshCredentials<T>(
  source: CredentialSource,
  connect: () => Promise<T>,
  options: CredentialRetryOptions = {},
): Promise<T> {
  const windowMs = options.windowMs ?? CREDENTIAL_REFUSAL_WINDOW_MS;
  const started = Date.now();
  let wait = options.backoffMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw error;
      source.invalidate();
      options.onRefused?.(error, attempt);
      if (Date.now() - started + wait > windowMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, MAX_BACKOFF_MS);
    }
  }
}

/** A readiness reason that names the user and the refusal, never the secret. */
export function describeRefusal(source: CredentialSource, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return `the database refused the credentials of ${source.user} (${source.kind}${typeof code === "string" ? `, ${code}` : ""})`;
}

/**
 * Readiness's fresh-connection check: one attempt, and after a refusal one more with a re-read secret
 * (the source may already hold the rotated one). A second refusal is reported as such.
 */
export async function probeWithFreshCredentials(
  source: CredentialSource,
  attempt: () => Promise<void>,
): Promise<void> {
  try {
    await attempt();
  } catch (first) {
    if (!isAuthenticationFailure(first)) throw first;
    source.invalidate();
    try {
      await attempt();
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw error;
      throw new Error(describeRefusal(source, error), { cause: error });
    }
  }
}
