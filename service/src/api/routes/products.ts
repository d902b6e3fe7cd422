/** Catalog routes: admins upsert products; any authenticated caller reads them. */
import type { FastifyInstance } from "fastify";
import type { AuthHooks } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { problems } from "../errors.js";
import { type ProductBody, problemResponses, productBody, productView, skuParams } from "../schemas.js";

const BEARER = [{ bearerAuth: [] }];

export function registerProductRoutes(app: FastifyInstance, deps: ApiDeps, auth: AuthHooks): void {
  const { store } = deps;

  app.put<{ Params: { sku: string }; Body: ProductBody }>(
    "/products/:sku",
    {
      onRequest: auth.requireAdmin,
      schema: {
        tags: ["catalog"],
        summary: "Create or replace a product (admin)",
        security: BEARER,
        params: skuParams,
        body: productBody,
        response: { 200: productView, ...problemResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const { name, unitPrice, currency, stock } = request.body;
      return store.putProduct({ sku: request.params.sku, name, unitPrice, currency, stock });
    },
  );

  app.get<{ Params: { sku: string } }>(
    "/products/:sku",
    {
      onRequest: auth.requireCaller,
      schema: {
        tags: ["catalog"],
        summary: "Read a product",
        security: BEARER,
        params: skuParams,
        response: { 200: productView, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const product = await store.getProduct(request.params.sku);
      if (!product) throw problems.notFound(`product ${request.params.sku} not found`);
      return product;
    },
  );
}
