/**
 * Errors fastify and Node answer before any route (bad percent-encoding, a path segment too long,
 * headers too large, unparsable HTTP) are problem documents; and SIGTERM drains over real kept-alive
 * connections: no new connections, in-flight requests answered with `Connection: close`, anything
 * refused while draining a 503 problem with Retry-After, and never an ECONNRESET.
 */
import assert from "node:assert/strict";
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import type { OrderIntake } from "../src/modes/types.js";
import type { AcceptedOrder } from "../src/orders/types.js";
import { createApiHarness } from "./support/api-harness.js";
import { perSuite } from "./support/per-suite.js";

const h = perSuite(() =>
  createApiHarness("api_drain", {
    products: [{ sku: "DRAIN-1", name: "Drain", unitPrice: 5, currency: "EUR", stock: 1_000 }],
  }),
);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  port: number,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string; agent?: Agent },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path: options.path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

async function listening(app: FastifyInstance): Promise<number> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  return (app.server.address() as AddressInfo).port;
}

function assertProblem(answer: Answer, status: number, slug: RegExp) {
  assert.equal(answer.status, status, answer.body);
  assert.match(String(answer.headers["content-type"]), /^application\/problem\+json/);
  const body = JSON.parse(answer.body) as { type: string; status: number; detail: string };
  assert.equal(body.status, status);
  assert.match(body.type, slug);
  assert.ok(body.detail.length > 0);
}

describe("errors before any route are problem documents", () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    app = await h.buildAnother();
    port = await listening(app);
  });
  after(() => app.close());

  test("bad percent-encoding → 400 bad-url", async () => {
    assertProblem(await send(port, { path: "/orders/%E0%A4%A" }), 400, /\/bad-url$/);
  });

  test("a path segment over 256 characters → 414", async () => {
    assertProblem(await send(port, { path: `/orders/${"a".repeat(300)}` }), 414, /\/uri-too-long$/);
  });

  test("a request line over Node's header limit → 431, connection closed", async () => {
    const answer = await send(port, { path: `/orders?customerId=${"x".repeat(20_000)}` });
    assertProblem(answer, 431, /\/header-fields-too-large$/);
    assert.equal(answer.headers.connection, "close");
  });

  test("unparsable HTTP → 400 problem on the raw socket", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString();
      });
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(raw, /Content-Type: application\/problem\+json/);
    assert.match(raw, /"type":"https:\/\/fastcart\.dev\/problems\/bad-request"/);
  });
});

/** Accepts after `delayMs`, so a request is in flight when the drain begins. */
class SlowIntake implements OrderIntake {
  readonly mode = "stream" as const;
  constructor(private readonly delayMs: number) {}
  async submit(_order: AcceptedOrder): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
  async checkReady(): Promise<void> {}
  async close(): Promise<void> {}
}

describe("SIGTERM drain over kept-alive connections", () => {
  test("in flight answered, late requests a 503 problem with Retry-After, new connections refused, no reset", async () => {
    const app = await h.buildAnother({ intake: new SlowIntake(400) });
    const port = await listening(app);
    const auth = await h.customer("drainer");
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    try {
      // Two kept-alive connections, both used once so they are open and idle.
      await Promise.all([send(port, { path: "/health", agent }), send(port, { path: "/health", agent })]);
      assert.equal(agent.freeSockets[`127.0.0.1:${port}:`]?.length, 2);

      const inFlight = send(port, {
        path: "/orders",
        method: "POST",
        agent,
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          customerId: "drainer",
          currency: "EUR",
          items: [{ sku: "DRAIN-1", quantity: 1 }],
        }),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const drained = app.drain.close();
      await new Promise((resolve) => setTimeout(resolve, 50));

      // The other kept-alive connection, idle when the drain began, sends one more request.
      const late = await send(port, { path: "/health", agent });
      assertProblem(late, 503, /\/unavailable$/);
      assert.equal(late.headers["retry-after"], "1");
      assert.equal(late.headers.connection, "close");

      const answered = await inFlight;
      assert.equal(answered.status, 202, answered.body);
      assert.equal(answered.headers.connection, "close");

      await assert.rejects(
        send(port, { path: "/health" }),
        (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED",
      );
      await drained;
    } finally {
      agent.destroy();
      await app.close();
    }
  });

  test("under load on 8 kept-alive connections: every request answered (200 or 503 problem), 0 ECONNRESET", async () => {
    const app = await h.buildAnother();
    const port = await listening(app);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    let stop = false;
    const loop = async () => {
      while (!stop) {
        try {
          const answer = await send(port, { path: "/health", agent });
          if (answer.status === 503) assertProblem(answer, 503, /\/unavailable$/);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? "unknown";
          errors.set(code, (errors.get(code) ?? 0) + 1);
          // A refused NEW connection is the drain working; the loop's socket is gone, so it ends.
          if (code === "ECONNREFUSED") return;
        }
      }
    };
    try {
      const loops = Array.from({ length: 8 }, loop);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await app.drain.close();
      stop = true;
      await Promise.all(loops);
      assert.ok((statuses.get(200) ?? 0) > 50, `served ${statuses.get(200)} before the drain`);
      assert.deepEqual(
        [...errors.keys()].filter((code) => code !== "ECONNREFUSED"),
        [],
        `errors: ${JSON.stringify([...errors])}`,
      );
      assert.deepEqual(
        [...statuses.keys()].sort(),
        [200, 503].filter((s) => statuses.has(s)),
      );
    } finally {
      stop = true;
      agent.destroy();
      await app.close();
    }
  });
});
