/**
 * Every error the API answers is an RFC 9457 problem document (`application/problem+json`): a stable
 * `type` URI per kind of problem, a human `title`, the `status`, a `detail` that says what was wrong
 * with *this* request, the `instance` (the request id, so a report can be matched to the logs) and,
 * for validation failures, `errors: [{field, in, rule, message}]` naming each field and the rule it broke.
 *
 * Internals never leak: an unexpected error becomes a 500 whose detail is generic; the real error is
 * logged with the request id.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { STORABLE_TEXT_MESSAGE, STORABLE_TEXT_PATTERN, STORABLE_TEXT_RULE } from "../orders/storable-text.js";
import { classifyStorageError } from "../store/dialect/index.js";
import type { AllowedMethods } from "./allowed-methods.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
export const PROBLEM_BASE = "https://fastcart.dev/problems/";

/** One violated rule of one field. */
export interface FieldError {
  /** Dotted/bracketed path for body fields (`items[0].quantity`), the name for params/query/headers. */
  field: string;
  /** Where the field is: body, path, query or header. */
  in: "body" | "path" | "query" | "header";
  /** The rule as `keyword: limit`, e.g. `maximum: 1000`, `required`, `pattern: ^[A-Z]{3}$`. */
  rule: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/**
 * An error that already knows its HTTP answer. Route code throws these; the error handler turns them
 * into problem documents. `headers` carries e.g. `WWW-Authenticate` or `Retry-After`.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: {
      headers?: Record<string, string>;
      errors?: FieldError[];
      extensions?: Record<string, unknown>;
    } = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
  }
}

export const problems = {
  validation: (detail: string, errors: FieldError[]) =>
    new HttpProblem(400, "validation", "Request validation failed", detail, { errors }),
  unauthorized: (detail: string, bearerError?: "invalid_token") =>
    new HttpProblem(401, "unauthorized", "Authentication required", detail, {
      headers: {
        "www-authenticate": bearerError
          ? `Bearer realm="fastcart", error="${bearerError}", error_description="${bearerDescription(detail)}"`
          : `Bearer realm="fastcart"`,
      },
    }),
  forbidden: (detail: string, scope?: string) =>
    new HttpProblem(403, "forbidden", "Forbidden", detail, {
      headers: scope
        ? { "www-authenticate": `Bearer realm="fastcart", error="insufficient_scope", scope="${scope}"` }
        : undefined,
    }),
  notFound: (detail: string) => new HttpProblem(404, "not-found", "Not found", detail),
  conflict: (detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(409, "conflict", "Conflict", detail, { extensions }),
  unavailable: (detail: string, retryAfterSeconds = 2, extensions?: Record<string, unknown>) =>
    new HttpProblem(503, "unavailable", "Service unavailable", detail, {
      headers: { "retry-after": String(retryAfterSeconds) },
      extensions,
    }),
};

/**
 * RFC 6750 §3: error_description is visible ASCII without `"` and `\`. Node refuses any other byte in
 * a header value (it throws, and the client gets fastify's own non-problem 500), so the human detail,
 * which may hold a dash or a quoted value, is folded to that alphabet here.
 */
export function bearerDescription(detail: string): string {
  return detail
    .replace(/[\u2010-\u2015]/g, "-")
    .replace(/"/g, "'")
    .replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "?");
}

/** Builds the problem body; `instance` is the request id so clients can quote it. */
export function problemBody(
  status: number,
  slug: string,
  title: string,
  detail: string,
  request: FastifyRequest,
  errors?: FieldError[],
  extensions?: Record<string, unknown>,
): ProblemDocument {
  const body: ProblemDocument = {
    type: PROBLEM_BASE + slug,
    title,
    status,
    detail,
    instance: `urn:request:${request.id}`,
    ...extensions,
  };
  if (errors) body.errors = errors;
  return body;
}

/** The JSON Schema of a problem document (used for the OpenAPI document and error serialization). */
export const problemSchema = {
  $id: "Problem",
  type: "object",
  description: "RFC 9457 problem details",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: {
          field: { type: "string" },
          in: { type: "string", enum: ["body", "path", "query", "header"] },
          rule: { type: "string" },
          message: { type: "string" },
        },
        required: ["field", "in", "rule", "message"],
      },
    },
  },
  required: ["type", "title", "status", "detail"],
  additionalProperties: true,
} as const;

/** The subset of an ajv error object that fastify hands the error handler. */
interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const LOCATION_OF: Record<string, FieldError["in"]> = {
  body: "body",
  params: "path",
  querystring: "query",
  headers: "header",
};

/** `/items/0/quantity` → `items[0].quantity`; the prefix names a missing/extra property. */
function fieldPath(instancePath: string, child?: string): string {
  const segments = instancePath.split("/").slice(1);
  if (child !== undefined) segments.push(child);
  let path = "";
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path === "" ? segment : `.${segment}`;
  }
  return path;
}

/** The rule an ajv error stands for, as `keyword: limit`. */
function ruleOf(error: AjvErrorLike): string {
  const p = error.params;
  switch (error.keyword) {
    case "maximum":
    case "minimum":
    case "exclusiveMaximum":
    case "exclusiveMinimum":
    case "maxLength":
    case "minLength":
    case "maxItems":
    case "minItems":
    case "maxProperties":
    case "minProperties":
      return `${error.keyword}: ${String(p.limit)}`;
    case "type":
      return `type: ${String(p.type)}`;
    case "pattern":
      return p.pattern === STORABLE_TEXT_PATTERN ? STORABLE_TEXT_RULE : `pattern: ${String(p.pattern)}`;
    case "format":
      return `format: ${String(p.format)}`;
    case "enum":
      return `enum: ${(p.allowedValues as unknown[]).join(", ")}`;
    case "const":
      return `const: ${String(p.allowedValue)}`;
    case "additionalProperties":
      return "additionalProperties: false";
    case "required":
      return "required";
    default:
      return error.keyword;
  }
}

/** Maps fastify/ajv validation errors to named fields and rules. */
function fieldErrors(validation: AjvErrorLike[], context: string | undefined): FieldError[] {
  const where = LOCATION_OF[context ?? "body"] ?? "body";
  return validation.map((error) => {
    const child =
      error.keyword === "required"
        ? String(error.params.missingProperty)
        : error.keyword === "additionalProperties"
          ? String(error.params.additionalProperty)
          : undefined;
    let field = fieldPath(error.instancePath, child);
    if (field === "") field = where === "body" ? "(body)" : where;
    const rule = ruleOf(error);
    const message =
      error.keyword === "additionalProperties"
        ? "is not an allowed property"
        : error.keyword === "required"
          ? "is required"
          : rule === STORABLE_TEXT_RULE
            ? STORABLE_TEXT_MESSAGE
            : (error.message ?? rule);
    return { field, in: where, rule, message };
  });
}

/** Fastify's own error codes → a problem (status, slug, title). Anything unknown is a 500. */
function classify(error: FastifyError): { status: number; slug: string; title: string; detail: string } {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return {
        status: 400,
        slug: "malformed-json",
        title: "Malformed JSON",
        detail: "the body is not valid JSON",
      };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return {
        status: 400,
        slug: "malformed-json",
        title: "Malformed JSON",
        detail: "the body is empty but Content-Type is application/json",
      };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return {
        status: 413,
        slug: "payload-too-large",
        title: "Payload too large",
        detail: error.message.replace(/^FST_\w+: /, ""),
      };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
        ? {
            status: 415,
            slug: "unsupported-media-type",
            title: "Unsupported media type",
            detail: "send the body as application/json",
          }
        : {
            status: 400,
            slug: "bad-request",
            title: "Bad request",
            detail: "Content-Length does not match the body",
          };
    default:
      break;
  }
  // "A dependency cannot be used right now" rather than "this request hit a bug": answered 503 +
  // Retry-After, so clients and load balancers retry. Which driver errors mean that is the store's call.
  if (classifyStorageError(error) === "outage") {
    return {
      status: 503,
      slug: "unavailable",
      title: "Service unavailable",
      detail: "a backing service is unavailable; retry later",
    };
  }
  // Errors from fastify plugins with a 4xx status are client errors whose message is safe to show.
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, slug: "bad-request", title: "Bad request", detail: error.message };
  }
  return {
    status: 500,
    slug: "internal",
    title: "Internal server error",
    detail: "an unexpected error occurred; quote the instance when reporting it",
  };
}

function sendProblem(
  reply: FastifyReply,
  body: ProblemDocument,
  headers?: Record<string, string>,
): FastifyReply {
  if (headers) reply.headers(headers);
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** Installs the error and not-found handlers that answer with problem documents. */
export function registerErrorHandling(app: FastifyInstance, allowed?: AllowedMethods): void {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) {
      const body = problemBody(
        error.status,
        error.slug,
        error.title,
        error.detail,
        request,
        error.extra.errors,
        error.extra.extensions,
      );
      if (error.status >= 500) request.log.error({ err: error }, error.detail);
      return sendProblem(reply, body, error.extra.headers);
    }
    if (error.validation) {
      const errors = fieldErrors(error.validation as AjvErrorLike[], error.validationContext);
      const detail = errors.map((e) => `${e.field}: ${e.message} (${e.rule})`).join("; ");
      return sendProblem(
        reply,
        problemBody(400, "validation", "Request validation failed", detail, request, errors),
      );
    }
    const { status, slug, title, detail } = classify(error);
    if (status === 503) reply.header("retry-after", "2");
    if (status >= 500) request.log.error({ err: error }, "unhandled error");
    else request.log.info({ code: error.code, status }, error.message);
    return sendProblem(reply, problemBody(status, slug, title, detail, request));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?", 1)[0] ?? request.url;
    const methods = allowed?.lookup(path);
    if (methods) {
      const detail = `${request.method} is not allowed on ${path}; use ${methods.join(", ")}`;
      return sendProblem(
        reply,
        problemBody(405, "method-not-allowed", "Method not allowed", detail, request),
        {
          allow: methods.join(", "),
        },
      );
    }
    return sendProblem(
      reply,
      problemBody(404, "not-found", "Not found", `no route for ${request.method} ${path}`, request),
    );
  });
}
