/**
 * A minimal in-memory implementation of the order API contract (api/README.md), on node:http, for
 * testing the smoke suite's client logic only. It is not the service: it exists so the smoke tests
 * can show both that a correct server passes every check and that each kind of misbehaviour (the
 * `faults`) turns into a FAIL line and exit code 1. The real system is smoke-tested in CI.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify } from "jose";

export interface FixtureFaults {
  /** /ready answers 503 with a problem body naming the database. */
  readyDown?: boolean;
  /** Orders stay PENDING forever (no worker). */
  neverDecide?: boolean;
  /** Totals as floats (major units): the money bug the suite must catch. */
  floatTotals?: boolean;
  /** Cancel marks CANCELLED but does not release stock. */
  cancelKeepsStock?: boolean;
  /** The second list page repeats the first page's last order. */
  listDuplicates?: boolean;
  /** 401 without WWW-Authenticate. */
  noChallenge?: boolean;
  /** Same Idempotency-Key with another body answers 202 instead of 409. */
  idempotencyIgnoresBody?: boolean;
}

export interface FixtureOptions {
  adminToken: string;
  /** Static customer tokens → customer id. */
  customerTokens?: Record<string, string>;
  /** HS256 secret: JWTs signed with it are accepted (scope `admin` → admin). */
  jwtSecret?: string;
  faults?: FixtureFaults;
  /** Time from accept to decision (a worker's latency). */
  decideAfterMs?: number;
  /** Port to listen on (default 0: any free port). */
  port?: number;
}

interface Caller {
  sub: string;
  admin: boolean;
}

interface Product {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  stock: number;
}

interface Order {
  orderId: string;
  customerId: string;
  currency: string;
  status: string;
  items: { sku: string; quantity: number; unitPrice: number; lineTotal: number }[];
  total: number;
  rejectionReason?: string;
  createdAt: string;
  updatedAt: string;
  history: { status: string; at: string }[];
}

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export interface FixtureApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startFixtureApi(options: FixtureOptions): Promise<FixtureApi> {
  const faults = options.faults ?? {};
  const products = new Map<string, Product>();
  const orders = new Map<string, Order>(); // insertion order = list order
  const idempotency = new Map<string, { body: string; orderId: string }>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;

  async function authenticate(request: IncomingMessage): Promise<Caller> {
    const header = request.headers.authorization;
    const challenge: Record<string, string> = faults.noChallenge
      ? {}
      : { "www-authenticate": 'Bearer realm="fixture"' };
    if (!header?.startsWith("Bearer "))
      throw new Problem(401, "send Authorization: Bearer <token>", {}, challenge);
    const token = header.slice(7);
    if (token === options.adminToken) return { sub: "admin", admin: true };
    const customer = options.customerTokens?.[token];
    if (customer) return { sub: customer, admin: false };
    if (options.jwtSecret) {
      try {
        const { payload } = await jwtVerify(token, new TextEncoder().encode(options.jwtSecret), {
          algorithms: ["HS256"],
          requiredClaims: ["sub", "exp"],
        });
        const scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
        return { sub: payload.sub!, admin: scopes.includes("admin") };
      } catch {
        // fall through to 401
      }
    }
    throw new Problem(401, "the token is invalid", {}, challenge);
  }

  function decide(order: Order): void {
    const now = new Date().toISOString();
    const line = order.items[0]!;
    const product = products.get(line.sku);
    if (!product) {
      order.status = "REJECTED";
      order.rejectionReason = "UNKNOWN_SKU";
    } else if (product.stock < line.quantity) {
      order.status = "REJECTED";
      order.rejectionReason = "OUT_OF_STOCK";
    } else {
      product.stock -= line.quantity;
      line.unitPrice = product.unitPrice;
      line.lineTotal = product.unitPrice * line.quantity;
      order.total = faults.floatTotals ? line.lineTotal / 100 : line.lineTotal;
      order.status = "CONFIRMED";
    }
    order.updatedAt = now;
    order.history.push({ status: order.status, at: now });
  }

  function readJson(body: string, request: IncomingMessage): Record<string, unknown> {
    const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim();
    if (type !== "application/json")
      throw new Problem(415, `Content-Type must be application/json, got ${type}`);
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new Problem(400, "body is not valid JSON");
    }
  }

  function placeOrder(caller: Caller, body: Record<string, unknown>): Order {
    const items = body.items as { sku: string; quantity: number }[];
    const errors = items
      .map((item, i) => ({ item, i }))
      .filter(({ item }) => !Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > 1000)
      .map(({ i }) => ({
        field: `items[${i}].quantity`,
        in: "body",
        rule: "minimum: 1",
        message: "must be >= 1",
      }));
    if (errors.length > 0) throw new Problem(400, "items[0].quantity must be >= 1", { errors });
    if (!caller.admin && body.customerId !== caller.sub) throw new Problem(403, "not your customer id");
    const now = new Date().toISOString();
    const order: Order = {
      orderId: randomUUID(),
      customerId: String(body.customerId),
      currency: String(body.currency),
      status: "PENDING",
      items: items.map((item) => ({ sku: item.sku, quantity: item.quantity, unitPrice: 0, lineTotal: 0 })),
      total: 0,
      createdAt: now,
      updatedAt: now,
      history: [{ status: "PENDING", at: now }],
    };
    orders.set(order.orderId, order);
    accepted++;
    if (!faults.neverDecide) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        decide(order);
      }, options.decideAfterMs ?? 15);
      timers.add(timer);
    }
    return order;
  }

  async function route(
    request: IncomingMessage,
    body: string,
  ): Promise<{ status: number; json?: unknown; headers?: Record<string, string>; text?: string }> {
    const url = new URL(request.url ?? "/", "http://fixture");
    const path = url.pathname;
    const method = request.method ?? "GET";

    if (path === "/health") return { status: 200, json: { status: "ok" } };
    if (path === "/ready") {
      if (faults.readyDown)
        throw new Problem(503, "unavailable: database", { dependencies: { database: "down" } });
      return { status: 200, json: { status: "ready" } };
    }
    if (path === "/metrics") {
      return {
        status: 200,
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        text: `# TYPE fastcart_orders_accepted_total counter\nfastcart_orders_accepted_total ${accepted}\n`,
      };
    }

    const caller = await authenticate(request);
    const productMatch = /^\/products\/([^/]+)$/.exec(path);
    if (productMatch) {
      const sku = decodeURIComponent(productMatch[1]!);
      if (method === "PUT") {
        if (!caller.admin) throw new Problem(403, "needs the admin scope");
        const input = readJson(body, request);
        const product: Product = {
          sku,
          name: String(input.name),
          unitPrice: Number(input.unitPrice),
          currency: String(input.currency),
          stock: Number(input.stock),
        };
        products.set(sku, product);
        return { status: 200, json: product };
      }
      const product = products.get(sku);
      if (!product) throw new Problem(404, `product ${sku} not found`);
      return { status: 200, json: product };
    }

    if (path === "/orders" && method === "POST") {
      const input = readJson(body, request);
      const key = request.headers["idempotency-key"];
      if (typeof key === "string") {
        const previous = idempotency.get(`${caller.sub}:${key}`);
        if (previous && (previous.body === body || faults.idempotencyIgnoresBody)) {
          return accepted202(previous.orderId);
        }
        if (previous) throw new Problem(409, "Idempotency-Key was used with another body");
        const order = placeOrder(caller, input);
        idempotency.set(`${caller.sub}:${key}`, { body, orderId: order.orderId });
        return accepted202(order.orderId);
      }
      return accepted202(placeOrder(caller, input).orderId);
    }

    if (path === "/orders" && method === "GET") {
      const customerId = caller.admin ? url.searchParams.get("customerId") : caller.sub;
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const mine = [...orders.values()].filter((order) => !customerId || order.customerId === customerId);
      const from = faults.listDuplicates && start > 0 ? start - 1 : start;
      const page = mine.slice(from, from + limit);
      const next = start + limit;
      return {
        status: 200,
        json: next < mine.length ? { orders: page, nextCursor: String(next) } : { orders: page },
      };
    }

    const orderMatch = /^\/orders\/([^/]+)(\/cancel)?$/.exec(path);
    if (orderMatch) {
      const order = orders.get(orderMatch[1]!);
      if (!order || (!caller.admin && order.customerId !== caller.sub)) {
        throw new Problem(404, `order ${orderMatch[1]} not found`);
      }
      if (!orderMatch[2]) return { status: 200, json: order };
      if (order.status !== "CONFIRMED") throw new Problem(409, `order is ${order.status}`);
      if (!faults.cancelKeepsStock) {
        for (const line of order.items) products.get(line.sku)!.stock += line.quantity;
      }
      order.status = "CANCELLED";
      order.updatedAt = new Date().toISOString();
      order.history.push({ status: "CANCELLED", at: order.updatedAt });
      return { status: 200, json: order };
    }
    throw new Problem(404, `no route ${method} ${path}`);
  }

  function accepted202(orderId: string) {
    return { status: 202, json: { orderId, status: "PENDING" }, headers: { location: `/orders/${orderId}` } };
  }

  function respond(
    response: ServerResponse,
    status: number,
    headers: Record<string, string>,
    payload: string,
  ) {
    response.writeHead(status, headers);
    response.end(payload);
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      route(request, Buffer.concat(chunks).toString("utf8")).then(
        (result) => {
          if (result.text !== undefined) {
            respond(response, result.status, result.headers ?? {}, result.text);
          } else {
            respond(
              response,
              result.status,
              { "content-type": "application/json; charset=utf-8", ...result.headers },
              JSON.stringify(result.json),
            );
          }
        },
        (error: unknown) => {
          const problem = error instanceof Problem ? error : new Problem(500, String(error));
          respond(
            response,
            problem.status,
            { "content-type": "application/problem+json", ...problem.headers },
            JSON.stringify({
              title: "Problem",
              status: problem.status,
              detail: problem.detail,
              ...problem.extra,
            }),
          );
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
