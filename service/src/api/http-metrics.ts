/**
 * HTTP request duration histogram, by route template (not raw URL: ids would explode the label
 * cardinality), method and status code. Recorded in onResponse from fastify's own timer.
 */
import type { FastifyInstance } from "fastify";
import { Histogram, type Registry } from "prom-client";

export const HTTP_DURATION_METRIC = "fastcart_http_request_duration_seconds";

export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  // The registry may already hold it when several apps share one registry (tests, hot reload).
  const histogram =
    (registry.getSingleMetric(HTTP_DURATION_METRIC) as
      | Histogram<"route" | "method" | "status_code">
      | undefined) ??
    new Histogram({
      name: HTTP_DURATION_METRIC,
      help: "HTTP request duration in seconds, by route template, method and status code",
      labelNames: ["route", "method", "status_code"] as const,
      // Resolution where the SLO lives (p99 < 50 ms) and a tail up to timeouts.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });

  app.addHook("onResponse", (request, reply, done) => {
    histogram.observe(
      {
        route: request.routeOptions.url ?? "unmatched",
        method: request.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
