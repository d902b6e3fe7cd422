/**
 * The access log: one `info` line per request when it is answered — method, route template, status,
 * duration and the request id (fastify's request logger carries `requestId`). ACCESS_LOG picks which
 * requests: all, errors (status ≥ 400) or off. The route template, not the raw URL, keeps order ids
 * and query strings (which may hold customer ids) out of the log.
 */
import type { FastifyInstance } from "fastify";
import type { ServiceConfig } from "../config.js";

export function registerAccessLog(app: FastifyInstance, mode: ServiceConfig["accessLog"]): void {
  if (mode === "off") return;
  app.addHook("onResponse", (request, reply, done) => {
    const status = reply.statusCode;
    if (mode === "errors" && status < 400) return done();
    const route = request.routeOptions.url ?? "(no route)";
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    request.log.info(
      { method: request.method, route, status, ms },
      `${request.method} ${route} ${status} ${ms} ms`,
    );
    done();
  });
}
