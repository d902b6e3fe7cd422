/** The load report as a table. */
import { fmt } from "./progress.js";
import type { LoadReport } from "./types.js";

/** The summary table, one "label  value" row per figure. */
export function formatLoadReport(report: LoadReport): string {
  const { requests, latencyMs, endToEnd, workerLag, target } = report;
  const seconds = (value: number | null) => (value === null ? "n/a" : `${fmt(value, 2)} s`);
  const non2xx = Object.entries(requests.non2xx)
    .map(([code, count]) => `${code}×${fmt(count)}`)
    .join(", ");
  const rows: [string, string][] = [
    ["target", report.url],
    [
      "load",
      `${fmt(report.durationSeconds, 1)} s, ${report.connections} connections, ${report.rate === null ? "unthrottled" : `offered ${fmt(report.rate)} req/s`}, ${report.skus} SKUs (${report.scarceSkus} scarce)`,
    ],
    ["answered (client)", fmt(requests.sent)],
    [
      "accepted (202)",
      `${fmt(requests.accepted + requests.acceptedInFlightAtStop)}  (${fmt(requests.acceptedPerSecond)}/s; ${fmt(requests.acceptedInFlightAtStop)} of them in flight when the load stopped)`,
    ],
    ["non-2xx", non2xx || "none"],
    ["errors / timeouts", `${fmt(requests.errors)} / ${fmt(requests.timeouts)}`],
    [
      "accept latency",
      `p50 ${latencyMs.p50} ms  p90 ${latencyMs.p90} ms  p99 ${latencyMs.p99} ms  max ${latencyMs.max} ms${report.pacing ? "  (from when each request was due)" : ""}`,
    ],
    ...serverAcceptRows(report.serverAcceptMs),
    ...(report.pacing
      ? ([
          [
            "paced load",
            `issued late by p99 ${report.pacing.issueLagP99Ms} ms; ${report.pacing.maxWaitingForConnection === 0 ? "never waited for a connection" : `up to ${fmt(report.pacing.maxWaitingForConnection)} waited for a free connection (raise --connections)`}`,
          ],
        ] as [string, string][])
      : []),
    [
      "decided",
      `${fmt(endToEnd.decided)} of ${fmt(endToEnd.accepted)} accepted  (${fmt(endToEnd.confirmed)} confirmed, ${fmt(endToEnd.rejected)} rejected)${endToEnd.complete ? "" : "  INCOMPLETE"}`,
    ],
    ["end to end", `${fmt(endToEnd.ordersPerSecond)} orders/s sustained (accepted → final status)`],
    ["drain after load", `${fmt(endToEnd.drainMs / 1000, 2)} s`],
    [
      "accepted → decided",
      `p50 ${seconds(workerLag.processingP50Seconds)}  p99 ${seconds(workerLag.processingP99Seconds)}  (worker lag per order)`,
    ],
    ["backlog (max)", `${fmt(workerLag.backlogMax)} orders accepted, not yet decided`],
    [
      "shard lag (max)",
      `${fmt(workerLag.shardLagMaxSeconds, 2)} s MillisBehindLatest  (${workerLag.samples} samples; kinesalite reports 0)`,
    ],
    [
      "target",
      `${target.basis === "goal" ? "≥" : "≈"} ${fmt(target.ordersPerSecond)} orders/s end to end (${target.basis === "goal" ? "the 2-core goal" : "the offered rate, within 5 %"}), p99 < ${target.p99Ms} ms: ${target.met ? "MET" : "MISSED"}`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}

/** The API's own timing of the accepts, whole and by step, when the target publishes it. */
function serverAcceptRows(server: LoadReport["serverAcceptMs"]): [string, string][] {
  const rows: [string, string][] = [];
  if (server.total) {
    rows.push([
      "  in the API",
      `p50 ${server.total.p50} ms  p99 ${server.total.p99} ms  (its own timer, from reading the request to writing the answer)`,
    ]);
  }
  const stages = Object.entries(server.stages);
  if (stages.length > 0) {
    rows.push([
      "  by step",
      stages.map(([stage, { p50, p99 }]) => `${stage} p50 ${p50} / p99 ${p99} ms`).join(";  "),
    ]);
  }
  return rows;
}
