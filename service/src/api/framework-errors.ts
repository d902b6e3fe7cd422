/**
 * Problem documents for the errors fastify and Node answer before any route runs — which would
 * otherwise get their own `application/json` bodies:
 * - a path whose percent-encoding does not decode (FST_ERR_BAD_URL) → 400;
 * - a path parameter over maxParamLength (FST_ERR_MAX_PARAM_LENGTH) → 414;
 * - a request line + headers over Node's limit (HPE_HEADER_OVERFLOW) → 431, a request that timed
 *   out → 408, an unparsable request → 400: written to the socket by the client-error handler, since
 *   no request object exists yet (so no `instance`), with `Connection: close`.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE, problemBody } from "./errors.js";

/** fastify's `frameworkErrors` option: errors of routing, before a route's own handlers. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, slug, title, detail] =
    error.code === "FST_ERR_BAD_URL"
      ? [400, "bad-url", "Bad URL", "the path is not valid percent-encoding (e.g. a lone % or %ZZ)"]
      : error.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? [
            414,
            "uri-too-long",
            "URI too long",
            "a path segment is longer than this API accepts (256 characters)",
          ]
        : [400, "bad-request", "Bad request", "the request could not be routed"];
  void reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(status, slug, title, detail, request));
}

function clientProblem(code: string | undefined): { status: number; slug: string; detail: string } {
  if (code === "HPE_HEADER_OVERFLOW") {
    return {
      status: 431,
      slug: "header-fields-too-large",
      detail: "the request line and headers exceed the server's limit (16 KiB); shorten the URL or headers",
    };
  }
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return { status: 408, slug: "request-timeout", detail: "the request was not received in time" };
  }
  return { status: 400, slug: "bad-request", detail: "the request is not valid HTTP/1.1" };
}

/** fastify's `clientErrorHandler` option: Node refused the request before fastify saw it. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer (Node's own handling does the same).
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const { status, slug, detail } = clientProblem(error.code);
  const title = STATUS_CODES[status] ?? "Bad request";
  const body = JSON.stringify({ type: PROBLEM_BASE + slug, title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
