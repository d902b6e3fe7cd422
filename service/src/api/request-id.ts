/**
 * Request ids: honour an incoming `X-Request-Id` (set by the ALB, a gateway or the client) so one id
 * follows a request across services, generate one otherwise, and echo it on every response. The id is
 * in every log line of the request (pino child logger) and in the `instance` of problem documents.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

const REQUEST_ID_HEADER = "x-request-id";
// Printable ASCII without spaces, bounded: the id is logged and echoed, so it must not carry
// newlines or be big enough to bloat every log line.
const ACCEPTABLE_ID = /^[\x21-\x7E]{1,128}$/;

export function genReqId(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === "string" && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
}

export function registerRequestIdEcho(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
