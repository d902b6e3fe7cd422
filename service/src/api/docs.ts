/**
 * The OpenAPI 3 document, generated from the route schemas (so it cannot drift from what the API
 * validates and serializes), served as JSON at /docs/json and as Swagger UI at /docs.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

const DOCS_PREFIX = "/docs";

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "FastCart Orders API",
        version: "1.0.0",
        description:
          "Orders are accepted asynchronously (202) and decided by stream workers. Errors are RFC 9457 " +
          "problem documents naming the field and the rule. Money is integer minor units.",
      },
      tags: [
        { name: "orders", description: "Place, read, list and cancel orders" },
        { name: "catalog", description: "Products (writes need the admin scope)" },
        { name: "operations", description: "Health, readiness and metrics (no token)" },
        {
          name: "quarantine",
          description: "Records and PENDING orders no worker could decide: list, replay, discard (admin)",
        },
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
    // Shared schemas appear under components.schemas by their $id (Order, Problem), not def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
