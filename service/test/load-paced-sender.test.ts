/**
 * The paced open-loop sender behind `fastcart load --rate` / `npm run bench -- --rate`, against a real
 * HTTP server on loopback: requests arrive spread over each second (not as a burst at its start, which
 * is what autocannon's rate limit does) over connections opened before the clock starts, and a stall of the server counts in the latency of every
 * request that was due during it, even those the client could not send yet (coordinated omission).
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { runPacedLoad } from "../tools/load/paced-sender.js";

async function withServer(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
  run: (url: string) => Promise<void>,
): Promise<void> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => handle(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const answer202 = (_request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(202, { "content-type": "application/json" }).end('{"status":"PENDING"}');
};

test("requests arrive evenly paced at the offered rate, not in bursts", async () => {
  const arrivals: number[] = [];
  await withServer(
    (request, response) => {
      if (request.method === "POST") arrivals.push(performance.now());
      answer202(request, response);
    },
    async (url) => {
      const result = await runPacedLoad({
        url,
        path: "/orders",
        headers: { "content-type": "application/json" },
        body: () => "{}",
        ratePerSecond: 400,
        durationSeconds: 2,
        connections: 16,
      });
      assert.equal(result.statusCodeStats["202"]?.count, 800, "the warm-up GETs are not counted");
      assert.equal(result.errors + result.timeouts, 0);
      // In steady state 16 connections carry 400 quick requests/s with none waiting. A stall of this
      // test's own process (a busy CI machine: ~40 ms is 16 requests due) issues the overdue ones at
      // once, and those beyond 16 wait briefly; only all 16 connections' worth waiting means they limit.
      assert.ok(
        result.maxWaitingForConnection < 16,
        `16 connections carry 400 quick requests/s (at most ${result.maxWaitingForConnection} waited)`,
      );
    },
  );
  assert.equal(arrivals.length, 800);
  // 400/s is 40 per 100 ms. A once-a-second burst would put all 400 of a second in one window and
  // leave the other nine empty. The bounds leave room for a stall of this test's process on a busy
  // CI machine (a 100 ms stall issues its 40 overdue requests at once and may empty a window).
  const start = arrivals[0]!;
  const windows = new Map<number, number>();
  for (const at of arrivals) {
    const window = Math.floor((at - start) / 100);
    windows.set(window, (windows.get(window) ?? 0) + 1);
  }
  const busiest = Math.max(...windows.values());
  assert.ok(busiest <= 200, `at most half a second's requests in any 100 ms (busiest window: ${busiest})`);
  assert.ok(windows.size >= 15, `arrivals spread over the 2 s (${windows.size} of 20 windows of 100 ms)`);
});

test("a server stall counts from when each request was due, also for requests still waiting to be sent", async () => {
  let stalled = false;
  await withServer(
    (request, response) => {
      // The first order stalls 300 ms; with one connection, everything due meanwhile waits for it.
      if (!stalled && request.method === "POST") {
        stalled = true;
        setTimeout(() => answer202(request, response), 300);
      } else answer202(request, response);
    },
    async (url) => {
      const result = await runPacedLoad({
        url,
        path: "/orders",
        headers: {},
        body: () => "{}",
        ratePerSecond: 200,
        durationSeconds: 1,
        connections: 1,
      });
      assert.equal(result.statusCodeStats["202"]?.count, 200);
      // About 60 requests were due during the stall: 30 % of the run waited up to 300 ms.
      assert.ok(result.latency.p90 >= 50, `p90 from when due: ${result.latency.p90} ms`);
      assert.ok(result.latency.max >= 280, `max from when due: ${result.latency.max} ms`);
      assert.ok(
        result.maxWaitingForConnection > 10,
        `waited for the one connection: ${result.maxWaitingForConnection}`,
      );
    },
  );
});
