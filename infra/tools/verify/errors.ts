/**
 * Turns an SDK or network failure into one line: the verifier never prints a stack trace. The two
 * failures that make every check meaningless — no credentials, no endpoint — are recognised so the
 * command can stop at once with one line instead of failing every check the same way.
 */

export type Blocker = "credentials" | "unreachable";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Whether `error` means no call can succeed (no credentials, endpoint unreachable), and which. */
export function blockerOf(error: unknown): Blocker | undefined {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown; $metadata?: unknown };
  if (e?.name === "CredentialsProviderError" || /could not load credentials/i.test(e?.message ?? ""))
    return "credentials";
  if (NETWORK_CODES.has(e?.code ?? "") || e?.name === "TimeoutError" || e?.name === "AbortError")
    return "unreachable";
  if (e?.cause !== undefined && e.cause !== error) return blockerOf(e.cause);
  return undefined;
}

/** One line for any failure: the SDK's error name and message, or the network code. */
export function describeError(error: unknown): string {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (e === null || typeof e !== "object") return String(error);
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== "Error" ? `${e.name}: ` : "";
  const code = e.code && !String(e.message).includes(e.code) ? ` (${e.code})` : "";
  const text = `${name}${e.message ?? ""}${code}${status && status >= 400 ? ` [HTTP ${status}]` : ""}`;
  return text.split("\n")[0] ?? text;
}
