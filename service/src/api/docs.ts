/**
 * The OpenAPI 3 document, generated from the route schemas (so it cannot drift from what the API
 * validates and serializes), served as JSON at /docs/json and as Swagger UI at /docs. What the route
 * schemas do not say is added here, for the document only: an operationId per operation, the statuses
 * any route can answer (405 for another method on its path, 500, 503 while shutting down), and request
 * examples from the demo catalog (Swagger UI would otherwise invent values from the patterns).
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import type { IntakeMode } from "../contract.js";

const DOCS_PREFIX = "/docs";

/** operationId by "METHOD /route": stable names for generated clients. */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  "POST /orders": "placeOrder",
  "GET /orders": "listOrders",
  "GET /orders/:id": "getOrder",
  "POST /orders/:id/cancel": "cancelOrder",
  "PUT /products/:sku": "putProduct",
  "GET /products/:sku": "getProduct",
  "GET /health": "getHealth",
  "GET /ready": "getReadiness",
  "GET /metrics": "getMetrics",
  "GET /dashboard/data": "getDashboardData",
};

/** Request bodies Swagger UI's "Try it out" starts from: valid against the demo catalog (`npm start`). */
const REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  "POST /orders": {
    customerId: "customer-1",
    currency: "EUR",
    items: [{ sku: "TSHIRT-BLK-M", quantity: 2 }],
  },
  "PUT /products/:sku": { name: "T-shirt, black, M", unitPrice: 1999, currency: "EUR", stock: 500 },
};

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "Problem#" } } },
});

/** Answers every route can give, whatever its own schema lists. */
const COMMON_RESPONSES = {
  405: problem("Method not allowed on this path (the Allow header lists the methods that are)"),
  500: problem("Unexpected error (logged with the request id, which the problem's instance names)"),
  503: problem("Shutting down, or a dependency is down (Retry-After says when to try again)"),
};

const DESCRIPTIONS: Record<IntakeMode, string> = {
  stream:
    "Orders are accepted asynchronously: 202 once the order is on the Kinesis stream; workers reading the " +
    "stream decide it moments later (GET /orders/{id} shows PENDING until then).",
  table:
    "Orders are accepted asynchronously: 202 once the order is committed as a PENDING row; workers claim " +
    "PENDING rows and decide them moments later (GET /orders/{id} shows PENDING until then).",
};

interface RouteSchema {
  operationId?: string;
  response?: Record<string, unknown>;
  body?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function registerDocs(app: FastifyInstance, options: { intakeMode: IntakeMode }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "FastCart Orders API",
        version: "1.0.0",
        description: `${DESCRIPTIONS[options.intakeMode]} Errors are RFC 9457 problem documents naming the field and the rule. Money is integer minor units.`,
      },
      // Relative: the document is right wherever it is served (a laptop, the ALB's DNS name).
      servers: [{ url: "/", description: "the API that serves this document" }],
      tags: [
        { name: "orders", description: "Place, read, list and cancel orders" },
        { name: "catalog", description: "Products (writes need the admin scope)" },
        { name: "operations", description: "Health, readiness, metrics and the dashboard's data" },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "sub = customer id; scope `admin` manages the catalog and reads every order",
          },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const method = Array.isArray(route.method) ? route.method[0] : route.method;
      const key = `${method} ${url}`;
      const routeSchema = (schema ?? {}) as RouteSchema;
      const documented: RouteSchema = {
        ...routeSchema,
        response: { ...COMMON_RESPONSES, ...routeSchema.response },
      };
      const operationId = OPERATION_IDS[key];
      if (operationId) documented.operationId = operationId;
      const example = REQUEST_EXAMPLES[key];
      if (example && routeSchema.body) documented.body = { ...routeSchema.body, example };
      return { schema: documented as typeof schema, url };
    },
    // Shared schemas appear under components.schemas by their $id (Order, Problem), not def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
