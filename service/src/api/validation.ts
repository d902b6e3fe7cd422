/**
 * Request validation: two ajv instances, compiled once per route at start-up (never per request).
 *
 * - Bodies are validated strictly: no type coercion (`"quantity": "5"` is a 400, not a 5), no silent
 *   removal of unknown properties (a typo like `quantiy` is a 400 naming it).
 * - Path, query and header values are always strings on the wire, so those are coerced (`limit=20`).
 *
 * Fastify's default compiler uses one ajv for every part, which would force one of those two choices on
 * the other. `allErrors` stays off, as fastify recommends: reporting every error of a hostile body is a
 * denial-of-service vector; the first error names its field and rule.
 */
import { Ajv, type Options } from "ajv";
import type { FastifySchemaCompiler } from "fastify";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, ...options });
  ajv.addFormat("uuid", UUID_PATTERN);
  // OpenAPI annotation keywords that may appear in route schemas; ajv ignores them.
  ajv.addKeyword({ keyword: "example" });
  return ajv;
}

/** One pair of ajv instances per app, so apps built in the same process (tests) never share state. */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = createAjv({ coerceTypes: false, removeAdditional: false });
  const parameterAjv = createAjv({ coerceTypes: "array", removeAdditional: false });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === "body" ? bodyAjv : parameterAjv;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
