/**
 * Unauthenticated operational endpoints: liveness, readiness and Prometheus metrics. Paths come from
 * contract.ts, the same constants the infra's health checks use.
 */
import type { FastifyInstance } from "fastify";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "../../contract.js";
import { intakeModeFor } from "../../modes/index.js";
import { isAuthenticationFailure } from "../../store/auth-failure.js";
import type { ApiDeps } from "../deps.js";
import { PROBLEM_CONTENT_TYPE, problemBody } from "../errors.js";
import { problemResponses } from "../schemas.js";

type Check = { name: string; run: () => Promise<void>; fatal: boolean };

/** /ready's answers: the 200 body and the 503 problem, both naming each dependency. */
const READY_RESPONSES: Record<string, unknown> = {
  200: {
    description: "Ready: every required dependency answered",
    type: "object",
    required: ["status", "dependencies"],
    properties: {
      status: { type: "string", enum: ["ready"] },
      dependencies: {
        type: "object",
        description: "Each dependency by name (database, stream or intake, cache)",
        additionalProperties: { type: "string", enum: ["ok", "down", "degraded"] },
        example: { database: "ok", stream: "ok", cache: "ok" },
      },
    },
  },
  ...problemResponses(503),
};

export function registerOperationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Liveness says only "this process serves HTTP": restarting a task because the database is down
  // would not bring the database back.
  app.get(
    HEALTH_PATH,
    {
      schema: {
        tags: ["operations"],
        summary: "Liveness",
        response: { 200: { type: "object", properties: { status: { type: "string" } } } },
      },
    },
    async () => ({ status: "ok" }),
  );

  const checks: Check[] = [
    { name: "database", run: () => deps.store.checkReady(), fatal: true },
    { name: intakeModeFor(deps.intake.mode).readinessName, run: () => deps.intake.checkReady(), fatal: true },
    // Losing the cache degrades reads to the database; it does not make the API unable to serve.
    { name: "cache", run: () => deps.cache.checkReady(), fatal: false },
  ];

  app.get(
    READY_PATH,
    {
      schema: {
        tags: ["operations"],
        summary: "Readiness: database and intake reachable (cache reported, not required)",
        response: READY_RESPONSES,
      },
    },
    async (request, reply) => {
      const results = await Promise.all(
        checks.map(async (check) => {
          try {
            await withTimeout(check.run(), 2000, check.name);
            return { name: check.name, fatal: check.fatal, ok: true as const };
          } catch (error) {
            return {
              name: check.name,
              fatal: check.fatal,
              ok: false as const,
              error: messageOf(error),
              kind: failureKind(error),
            };
          }
        }),
      );
      // The body says which dependency is down and a fixed kind of reason; the reason itself (hosts,
      // ports, user names, driver messages) goes only to the log, because /ready needs no token.
      const dependencies: Record<string, string> = {};
      const reasons: Record<string, string> = {};
      const kinds: Record<string, string> = {};
      for (const r of results) {
        dependencies[r.name] = r.ok ? "ok" : r.fatal ? "down" : "degraded";
        if (!r.ok) {
          reasons[r.name] = r.error;
          kinds[r.name] = r.kind;
        }
      }
      if (Object.keys(reasons).length > 0) request.log.warn({ reasons }, "readiness check failures");
      const failing = results.filter((r) => !r.ok && r.fatal).map((r) => r.name);
      if (failing.length === 0) return reply.send({ status: "ready", dependencies });
      return reply
        .code(503)
        .type(PROBLEM_CONTENT_TYPE)
        .header("retry-after", "5")
        .send(
          problemBody(
            503,
            "not-ready",
            "Not ready",
            `unavailable: ${failing.map((name) => `${name} (${kinds[name]})`).join(", ")}`,
            request,
            undefined,
            {
              dependencies,
              reasons: kinds,
            },
          ),
        );
    },
  );

  app.get(
    METRICS_PATH,
    { schema: { tags: ["operations"], summary: "Prometheus metrics (text exposition format)" } },
    async (_request, reply) => {
      const registry = deps.metrics.registry;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} check timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The reason a check failed, as a fixed word safe to show unauthenticated: "credentials-refused"
 * when the database rejected the service's credentials (a rotation the service did not follow),
 * "timeout", or "unreachable".
 */
function failureKind(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (isAuthenticationFailure(e)) return "credentials-refused";
  }
  return messageOf(error).includes("timed out") ? "timeout" : "unreachable";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
