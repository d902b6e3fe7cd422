/** The worker container's probe: /health always ok, /ready degraded naming a stuck shard, /metrics. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createWorkerProbe } from "../src/roles/work.js";
import { createMetrics } from "../src/telemetry/metrics.js";

test("/ready turns degraded (200) once a shard has failed without a commit beyond the threshold", async () => {
  const metrics = createMetrics({ processMetrics: false, stuckShardSeconds: 0 });
  const probe = createWorkerProbe(metrics);
  try {
    metrics.intake.shardCommitted?.("shardId-000000000001");
    const ok = await probe.inject({ method: "GET", url: "/ready" });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().status, "ok");
    metrics.intake.shardFailing?.("shardId-000000000001");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const degraded = await probe.inject({ method: "GET", url: "/ready" });
    assert.equal(degraded.statusCode, 200);
    assert.deepEqual(degraded.json().stuck, ["shardId-000000000001"]);
    assert.equal((await probe.inject({ method: "GET", url: "/health" })).json().status, "ok");
    assert.match(
      (await probe.inject({ method: "GET", url: "/metrics" })).body,
      /stream_shard_seconds_since_commit\{shard="shardId-000000000001"\}/,
    );
  } finally {
    await probe.close();
  }
});
