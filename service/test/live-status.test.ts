/** The live status line of `fastcart local`: what it says, and that it stays out of pipes and CI logs. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import type { DashboardData } from "../src/dashboard/data.js";
import { startLiveStatus, statusLine } from "../tools/cli/live-status.js";

const sample = (pending: number | null): DashboardData => ({
  at: "2026-01-01T00:00:00.000Z",
  environment: "local",
  intakeMode: "stream",
  totals: { accepted: 12_345, confirmed: 12_000, rejected: 300 },
  rates: { acceptedPerSecond: 2_050, decidedPerSecond: 1_990, windowSeconds: 10 },
  acceptLatencyMs: { p50: 12, p99: 40 },
  backlog: { pending, source: pending === null ? "unknown" : "this-process", shards: [] },
  rejections: {},
  quarantined: null,
  lowStock: [],
  latestOrders: [],
});

test("the status line: accepted and decided per second, the backlog, the total", () => {
  assert.equal(
    statusLine(sample(45)),
    "● 2,050 accepted/s · 1,990 decided/s · backlog 45 · 12,345 orders so far · Ctrl-C stops",
  );
  assert.match(statusLine(sample(null)), /backlog n\/a/);
});

test("not a TTY: nothing is written, and stopping is a no-op", () => {
  let written = "";
  const pipe = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        written += chunk;
        done();
      },
    }),
    { isTTY: false },
  ) as unknown as NodeJS.WriteStream;
  const stop = startLiveStatus("http://127.0.0.1:9", pipe, 10);
  stop();
  assert.equal(written, "");
});
