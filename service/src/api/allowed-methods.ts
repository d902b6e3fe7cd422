/**
 * 405 Method Not Allowed (with `Allow`) instead of 404 when the path exists but not for this method,
 * e.g. DELETE /orders. Route templates are collected as routes are registered and compiled to
 * matchers once, on the first unmatched request, never per request.
 */
import type { FastifyInstance } from "fastify";

export interface AllowedMethods {
  /** The methods the path supports, or undefined when no route has this path. */
  lookup(path: string): string[] | undefined;
}

/** Must be called before any route is registered. */
export function collectAllowedMethods(app: FastifyInstance): AllowedMethods {
  const templates = new Map<string, Set<string>>();
  let matchers: { pattern: RegExp; methods: string[] }[] | undefined;

  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = templates.get(route.url) ?? new Set<string>();
    for (const method of methods) set.add(method);
    templates.set(route.url, set);
    matchers = undefined;
  });

  const compile = () =>
    [...templates].map(([template, methods]) => ({
      pattern: new RegExp(
        `^${template
          .split("/")
          .map((part) => (part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : escapeRegExp(part)))
          .join("/")}/?$`,
      ),
      methods: [...methods].sort(),
    }));

  return {
    lookup(path) {
      matchers ??= compile();
      const allowed = new Set<string>();
      for (const m of matchers) if (m.pattern.test(path)) for (const method of m.methods) allowed.add(method);
      return allowed.size > 0 ? [...allowed] : undefined;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
