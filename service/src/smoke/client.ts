/**
 * A small black-box HTTP client for the order API (undici). It never throws on an HTTP status: a
 * check decides what a status means. It throws `UnreachableError` when no HTTP answer arrived at all,
 * with the URL and what to do about it, because "fetch failed" in a CI log helps nobody.
 */
import { Agent, request } from "undici";

export interface HttpResponse {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Raw body text. */
  text: string;
  /** Parsed JSON when the body is JSON (application/json or application/problem+json), else undefined. */
  json: unknown;
  /** The X-Request-Id this request carried: the key to the server's log lines for it. */
  requestId: string;
}

export interface SendOptions {
  /** A value to send as JSON (sets Content-Type: application/json). */
  json?: unknown;
  /** A raw body; `contentType` says what it claims to be. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Bearer token for this request; `null` sends no Authorization header. Defaults to the client's token. */
  token?: string | null;
}

export class UnreachableError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly code: string,
    reason: string,
  ) {
    super(`${method} ${url}: no answer (${code}): ${reason}`);
  }
}

/** What to do about a network error, by its code. */
function adviceFor(code: string, timeoutSeconds: number): string {
  switch (code) {
    case "ECONNREFUSED":
      return "nothing listens there: is the server running (npm start), and is --url right?";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name does not resolve: check --url (after pulumi up: pulumi stack output albDnsName)";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "the connection was dropped: is something else on that port, or is the load balancer draining?";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connect timed out: a security group, WAF or firewall may block you, or the host is down";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "TimeoutError":
    case "ABORT_ERR":
      return `no answer within ${timeoutSeconds} s (--request-timeout): the server is overloaded or hung`;
    case "ERR_SSL_WRONG_VERSION_NUMBER":
    case "EPROTO":
      return "TLS handshake failed: use http:// for a plain-HTTP listener (or https:// for a TLS one)";
    default:
      return "is the server running, and is --url right?";
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(", ") : value;
}

export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/**
 * Identifies the suite's traffic: a User-Agent (AWS WAF's common rule set blocks requests without
 * one) and an X-Request-Id per request, `<prefix>-<n>`, which the API logs and echoes, so a FAIL line
 * leads straight to the server's log lines.
 */
export const USER_AGENT = "fastcart-smoke/1";

interface SharedState {
  agent: Agent;
  requestIdPrefix: string;
  sequence: number;
}

export class ApiClient {
  private readonly timeoutMs: number;
  private readonly shared: SharedState;

  constructor(
    readonly baseUrl: string,
    private readonly defaultToken: string | null,
    timeoutSeconds: number,
    requestIdPrefix: string | SharedState = "smoke",
  ) {
    this.timeoutMs = Math.round(timeoutSeconds * 1000);
    this.shared =
      typeof requestIdPrefix === "string"
        ? {
            agent: new Agent({
              connect: { timeout: this.timeoutMs },
              headersTimeout: this.timeoutMs,
              bodyTimeout: this.timeoutMs,
            }),
            requestIdPrefix,
            sequence: 0,
          }
        : requestIdPrefix;
  }

  /** A client that shares this one's connections and request numbering but sends another token (null: none). */
  as(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token, this.timeoutMs / 1000, this.shared);
  }

  /** Resolves a path (with optional query) against the base URL, keeping any path prefix of the base. */
  urlFor(path: string): string {
    return this.baseUrl + (path.startsWith("/") ? path : `/${path}`);
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<HttpResponse> {
    const url = this.urlFor(path);
    const requestId = `${this.shared.requestIdPrefix}-${++this.shared.sequence}`;
    const headers: Record<string, string> = {
      accept: "application/json, application/problem+json, */*",
      "user-agent": USER_AGENT,
      "x-request-id": requestId,
    };
    const token = options.token === undefined ? this.defaultToken : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    } else if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers["content-type"] = options.contentType;
    }
    Object.assign(headers, options.headers);

    let response: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      response = await request(url, {
        method: method as "GET",
        headers,
        body,
        dispatcher: this.shared.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.body.text();
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      // undici sets string codes (ECONNREFUSED, UND_ERR_*); an AbortSignal timeout is a DOMException
      // whose numeric `code` says nothing, so its name is used instead.
      const code = typeof err.code === "string" ? err.code : (err.name ?? "ERROR");
      throw new UnreachableError(
        method,
        url,
        code,
        `${adviceFor(code, this.timeoutMs / 1000)} [${err.message}; request ${requestId}]`,
      );
    }

    const flatHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      const flat = headerValue(value);
      if (flat !== undefined) flatHeaders[name.toLowerCase()] = flat;
    }
    let json: unknown;
    if (isJsonContentType(flatHeaders["content-type"]) && text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined; // A JSON content type with a broken body: checks report the raw text.
      }
    }
    return { method, url, status: response.statusCode, headers: flatHeaders, text, json, requestId };
  }

  get(path: string, options?: SendOptions): Promise<HttpResponse> {
    return this.send("GET", path, options);
  }

  post(path: string, options?: SendOptions): Promise<HttpResponse> {
    return this.send("POST", path, options);
  }

  put(path: string, options?: SendOptions): Promise<HttpResponse> {
    return this.send("PUT", path, options);
  }

  close(): Promise<void> {
    return this.shared.agent.close();
  }
}
