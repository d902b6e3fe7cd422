/**
 * /dashboard: a page for people, served by the API itself (plain HTML, CSS and JS from
 * src/dashboard/static, no front-end build), and /dashboard/data, the JSON it polls. The page holds
 * no data, so it is public; the data needs an admin token unless DASHBOARD_AUTH=none (what
 * `fastcart local` sets). Browsers send that token as a Bearer header, like every other client.
 */
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import type { DashboardSource } from "../../dashboard/data.js";
import type { AuthHooks } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { problemResponses } from "../schemas.js";

export const DASHBOARD_PATH = "/dashboard";

const STATIC = new URL("../../dashboard/static/", import.meta.url);
const ASSETS = {
  "dashboard.js": "text/javascript; charset=utf-8",
  "dashboard.css": "text/css; charset=utf-8",
} as const;

// Only this origin's own files may run or load: data is written with textContent, and this keeps an
// injected script out even if that ever changed.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const nullable = (type: string) => ({ type: [type, "null"] });

const dashboardData = {
  type: "object",
  properties: {
    at: { type: "string", format: "date-time" },
    environment: { type: "string" },
    intakeMode: { type: "string", enum: ["stream", "table"] },
    totals: {
      type: "object",
      properties: {
        accepted: { type: "number" },
        confirmed: { type: "number" },
        rejected: { type: "number" },
      },
    },
    rates: {
      type: "object",
      properties: {
        acceptedPerSecond: { type: "number" },
        decidedPerSecond: { type: "number" },
        windowSeconds: { type: "number" },
      },
    },
    acceptLatencyMs: { type: "object", properties: { p50: nullable("number"), p99: nullable("number") } },
    backlog: {
      type: "object",
      properties: {
        pending: nullable("number"),
        source: { type: "string", enum: ["pending-rows", "this-process", "unknown"] },
        shards: {
          type: "array",
          items: {
            type: "object",
            properties: { shard: { type: "string" }, lagSeconds: { type: "number" } },
          },
        },
      },
    },
    rejections: { type: "object", additionalProperties: { type: "number" } },
    quarantined: nullable("number"),
    lowStock: {
      type: "array",
      items: {
        type: "object",
        properties: { sku: { type: "string" }, name: { type: "string" }, stock: { type: "number" } },
      },
    },
    latestOrders: {
      type: "array",
      items: {
        type: "object",
        properties: {
          orderId: { type: "string" },
          customerId: { type: "string" },
          status: { type: "string" },
          rejectionReason: nullable("string"),
          total: { type: "number" },
          currency: { type: "string" },
          createdAt: { type: "string", format: "date-time" },
        },
      },
    },
  },
} as const;

export function registerDashboardRoutes(
  app: FastifyInstance,
  deps: ApiDeps & { dashboard: DashboardSource },
  auth: AuthHooks,
): void {
  const page = readFile(new URL("dashboard.html", STATIC), "utf8");
  const assets = new Map(
    Object.entries(ASSETS).map(([name, type]) => [
      name,
      { type, body: readFile(new URL(name, STATIC), "utf8") },
    ]),
  );
  // Unhandled rejections would crash the process at start-up; a missing file answers 500 instead.
  page.catch(() => {});
  for (const asset of assets.values()) asset.body.catch(() => {});

  app.get(
    DASHBOARD_PATH,
    { schema: { tags: ["operations"], summary: "The live dashboard (HTML for people)", hide: true } },
    async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", CONTENT_SECURITY_POLICY)
        .header("cache-control", "no-cache")
        .send(await page),
  );

  app.get<{ Params: { asset: string } }>(
    `${DASHBOARD_PATH}/static/:asset`,
    { schema: { hide: true } },
    async (request, reply) => {
      const asset = assets.get(request.params.asset);
      if (!asset) return reply.callNotFound();
      return reply
        .type(asset.type)
        .header("cache-control", "no-cache")
        .send(await asset.body);
    },
  );

  const adminOnly = deps.config.dashboardAuth === "admin";
  app.get(
    `${DASHBOARD_PATH}/data`,
    {
      ...(adminOnly ? { onRequest: auth.requireAdmin } : {}),
      schema: {
        tags: ["operations"],
        summary: adminOnly
          ? "The dashboard's live figures (admin)"
          : "The dashboard's live figures (no token: DASHBOARD_AUTH=none)",
        ...(adminOnly ? { security: [{ bearerAuth: [] }] } : {}),
        response: { 200: dashboardData, ...problemResponses(...(adminOnly ? [401, 403] : [])) },
      },
    },
    async (_request, reply) => reply.header("cache-control", "no-store").send(await deps.dashboard.data()),
  );
}
