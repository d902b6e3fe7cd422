/**
 * The HTTP API as a fastify instance, built from its dependencies. `main.ts` listens on it (`serve`,
 * `local`); tests drive it with `inject` or on port 0. `app.close()` stops accepting connections and
 * waits for in-flight requests; closing the store, intake and cache is the caller's job (it owns them).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { registerAccessLog } from "../telemetry/access-log.js";
import { collectAllowedMethods } from "./allowed-methods.js";
import { createTokenVerifier, memoizeVerifier, registerAuth, type TokenVerifier } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { registerDocs } from "./docs.js";
import { problemSchema, registerErrorHandling } from "./errors.js";
import { registerHttpMetrics } from "./http-metrics.js";
import { genReqId, registerRequestIdEcho } from "./request-id.js";
import { registerDashboardRoutes } from "./routes/dashboard.js";
import { registerOperationRoutes } from "./routes/operations.js";
import { registerOrderRoutes } from "./routes/orders.js";
import { registerProductRoutes } from "./routes/products.js";
import { orderView } from "./schemas.js";
import { createValidatorCompiler } from "./validation.js";

export type { ApiDeps, ApiMetrics } from "./deps.js";

/** Largest accepted request body. An order of 100 lines is ~6 KiB; this leaves room, not abuse. */
export const BODY_LIMIT_BYTES = 256 * 1024;

export interface BuildAppOptions {
  /** Replace token verification (e.g. a custom identity provider); defaults to config.auth. */
  verifyToken?: TokenVerifier;
}

export async function buildApp(deps: ApiDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId,
    logController: new LogController({
      requestIdLogLabel: "requestId",
      // fastify's two lines per request are replaced by one access-log line (telemetry/access-log.ts).
      disableRequestLogging: true,
    }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Behind the ALB: client address and protocol come from X-Forwarded-*.
    trustProxy: true,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
  });
  app.setValidatorCompiler(createValidatorCompiler());
  // Only JSON bodies: without this, text/plain would be parsed as a string and fail as a 400 shape
  // error instead of the honest 415.
  app.removeContentTypeParser("text/plain");

  app.addSchema(problemSchema);
  app.addSchema(orderView);

  const allowedMethods = collectAllowedMethods(app);
  registerRequestIdEcho(app);
  registerErrorHandling(app, allowedMethods);
  registerHttpMetrics(app, deps.metrics.registry);
  registerAccessLog(app, deps.config.accessLog);
  await registerDocs(app, { intakeMode: deps.config.intakeMode });

  const auth = registerAuth(
    app,
    options.verifyToken ?? memoizeVerifier(createTokenVerifier(deps.config.auth)),
  );
  registerOperationRoutes(app, deps);
  registerOrderRoutes(app, deps, auth);
  registerProductRoutes(app, deps, auth);
  if (deps.dashboard) registerDashboardRoutes(app, { ...deps, dashboard: deps.dashboard }, auth);

  await app.ready();
  return app;
}
