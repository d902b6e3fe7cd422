/**
 * The baseline the API's accept rate is compared with: a bare fastify app on the same Node, answering
 * POST /orders with 202 after validating the body against the same schema with the same validator
 * compiler, and nothing else (no auth, no idempotency, no intake). What the API does beyond this is
 * the cost the bench attributes to our code.
 *
 *   PORT=4801 node --import tsx bench/bare-fastify.ts
 */
import { randomUUID } from "node:crypto";
import fastify from "fastify";
import { createOrderBody } from "../src/api/schemas.js";
import { createValidatorCompiler } from "../src/api/validation.js";

const app = fastify({ logger: false });
app.setValidatorCompiler(createValidatorCompiler());
app.get("/health", async () => ({ status: "ok" }));
app.post("/orders", { schema: { body: createOrderBody } }, async (request, reply) => {
  const body = request.body as { orderId?: string };
  return reply.code(202).send({ orderId: body.orderId ?? randomUUID(), status: "PENDING" });
});
await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT ?? 0) });
process.on("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
