/**
 * Assertions for checks. A failed expectation throws `CheckFailure` whose message is the detail
 * printed on the FAIL line: what was expected, what came back, and the server's problem detail
 * (RFC 9457) so the operator sees the server's own explanation.
 */
import type { HttpResponse } from "./client.js";
import { isJsonContentType } from "./client.js";

export class CheckFailure extends Error {}

/** A check that could not run because something it needs failed earlier: reported as FAIL "not run: …". */
export class NotRun extends Error {}

const MAX_BODY_CHARS = 300;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_BODY_CHARS ? `${flat.slice(0, MAX_BODY_CHARS)}…` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The useful part of an error answer: problem title/detail/errors, or the start of the body. */
export function problemSummary(response: HttpResponse): string {
  const body = response.json;
  if (isRecord(body)) {
    const parts: string[] = [];
    for (const key of ["title", "detail"] as const) {
      if (typeof body[key] === "string" && body[key] !== "") parts.push(body[key] as string);
    }
    if (Array.isArray(body.errors) && body.errors.length > 0)
      parts.push(`errors=${JSON.stringify(body.errors)}`);
    if (parts.length > 0) return clip(parts.join(": "));
  }
  return response.text ? clip(response.text) : "(empty body)";
}

export function describe(response: HttpResponse): string {
  const path = new URL(response.url).pathname + new URL(response.url).search;
  return `${response.method} ${path} → ${response.status}: ${problemSummary(response)} [request ${response.requestId}]`;
}

export function fail(message: string): never {
  throw new CheckFailure(message);
}

export function expectStatus(response: HttpResponse, ...expected: number[]): void {
  if (expected.includes(response.status)) return;
  const want = expected.join(" or ");
  let hint = "";
  if (response.status === 401 && !expected.includes(401)) {
    hint = " (the token was refused: check --token / --customer-token, or the server's AUTH_JWT_SECRET)";
  } else if ([301, 302, 307, 308].includes(response.status)) {
    // An ALB with a certificate redirects HTTP to HTTPS; the suite does not follow redirects (a
    // redirected POST would hide what the API answers), so point at the right --url instead.
    hint = ` (redirected to ${response.headers.location ?? "?"}: pass that scheme/host as --url)`;
  }
  fail(`expected ${want}, got ${describe(response)}${hint}`);
}

/** Errors must be RFC 9457 problem documents. */
export function expectProblem(response: HttpResponse): Record<string, unknown> {
  const type = response.headers["content-type"] ?? "(none)";
  if (!type.toLowerCase().startsWith("application/problem+json")) {
    fail(
      `${response.status} should be application/problem+json, got Content-Type ${type}: ${clip(response.text)} [request ${response.requestId}]`,
    );
  }
  if (!isRecord(response.json))
    fail(
      `${response.status} problem body is not a JSON object: ${clip(response.text)} [request ${response.requestId}]`,
    );
  return response.json;
}

export function expectJsonObject(response: HttpResponse): Record<string, unknown> {
  if (!isJsonContentType(response.headers["content-type"]) || !isRecord(response.json)) {
    fail(
      `${response.method} ${response.url} → ${response.status}: expected a JSON object, got ` +
        `${response.headers["content-type"] ?? "no Content-Type"}: ${clip(response.text)} [request ${response.requestId}]`,
    );
  }
  return response.json;
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new NotRun(what);
  return value;
}

export { isRecord };
