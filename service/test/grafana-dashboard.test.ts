/**
 * dashboards/grafana.json queries only metrics the service exports: every metric name in every panel
 * query and template variable must exist in a registry built the way the service builds its own
 * (createMetrics with process metrics, plus the API's HTTP histogram), so a renamed metric cannot
 * leave a dashboard of empty panels.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import Fastify from "fastify";
import { registerHttpMetrics } from "../src/api/http-metrics.js";
import { createMetrics } from "../src/telemetry/metrics.js";

const DASHBOARD = new URL("../dashboards/grafana.json", import.meta.url);

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query?: unknown }[] };
}

/** The series names a registry exposes (histograms as their _bucket, _sum and _count series). */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = createMetrics({ environment: "test", processMetrics: true });
  const app = Fastify();
  registerHttpMetrics(app, metrics.registry);
  await app.close();
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (["histogram", "summary"].includes(String(metric.type))) {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${metric.name}${suffix}`);
    }
  }
  return names;
}

/** Metric names in a PromQL expression: identifiers followed by a label selector or a range. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)].map((match) => match[1]!);
}

test("every metric the Grafana dashboard queries exists in the service's registry", async () => {
  const dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as Dashboard;
  const exported = await exportedSeries();
  const queried: { where: string; name: string }[] = [];
  for (const panel of dashboard.panels) {
    assert.ok(panel.targets.length > 0, `panel "${panel.title}" has no query`);
    for (const target of panel.targets) {
      const names = metricNames(target.expr);
      assert.ok(names.length > 0, `panel "${panel.title}": no metric in ${target.expr}`);
      for (const name of names) queried.push({ where: `panel "${panel.title}"`, name });
    }
  }
  for (const variable of dashboard.templating.list) {
    const query = JSON.stringify(variable.query ?? "");
    for (const match of query.matchAll(/label_values\((\w+)/g)) {
      queried.push({ where: `variable ${variable.name}`, name: match[1]! });
    }
  }
  const unknown = queried.filter((q) => !exported.has(q.name)).map((q) => `${q.where}: ${q.name}`);
  assert.deepEqual(unknown, [], `not in the registry (exported: ${[...exported].sort().join(", ")})`);
  assert.ok(queried.length >= 10, `only ${queried.length} metric references found`);
});

test("metricNames finds selectors, not functions or labels", () => {
  assert.deepEqual(
    metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="1"}[5m]))) / max(b_total{y=~"z"})'),
    ["a_bucket", "b_total"],
  );
});
