/**
 * Order routes: accept (POST /orders), read (GET /orders/:id), list (GET /orders), cancel.
 *
 * Accepting is the hot path (≥ 2,000 orders/s): validate (precompiled ajv), authorise, hand the order to
 * the intake and answer 202 only once the intake says it is durable, then note it in the status cache
 * so an immediate read finds it. The route itself reads the database only for an Idempotency-Key or a
 * client-chosen orderId (which is then claimed for its customer: order ids are owned); what the intake
 * writes is the mode's business (a Kinesis record, or a PENDING row in a group commit).
 *
 * Retrying without an Idempotency-Key is still safe when the client chose the orderId: both intakes
 * are keyed by order id and the worker decides each order id once, so a retried POST with the same
 * orderId is a duplicate record (stream) or a no-op insert (table) that changes nothing.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { CachedStatus } from "../../cache/types.js";
import { canonicalOrderId, toAcceptedOrder } from "../../orders/accept.js";
import type { AcceptedOrder, OrderView } from "../../orders/types.js";
import { InvalidCursorError } from "../../store/cursor.js";
import type { IdempotencyRecord } from "../../store/types.js";
import type { AcceptStage } from "../../telemetry/metrics.js";
import type { AuthHooks, Caller } from "../auth.js";
import { pendingEntry, viewFromCache } from "../cached-order.js";
import type { ApiDeps } from "../deps.js";
import { HttpProblem, problems } from "../errors.js";
import { derivedOrderId, IdempotencyGuard, requestFingerprint } from "../idempotency.js";
import {
  acceptedOrder,
  type CreateOrderBody,
  createOrderBody,
  idempotencyHeaders,
  type ListOrdersQuery,
  listOrdersQuery,
  orderIdParams,
  orderPage,
  problemResponses,
} from "../schemas.js";

const BEARER = [{ bearerAuth: [] }];

export function registerOrderRoutes(app: FastifyInstance, deps: ApiDeps, auth: AuthHooks): void {
  const { store, intake, cache, metrics } = deps;
  const idempotency = new IdempotencyGuard(store);

  /**
   * Puts the order on the intake, then (best effort) in the status cache. A client-chosen id is first
   * claimed for the order's customer: an id another customer owns is a 409, never a 202 for an order
   * that would be dropped (and never a PENDING cache entry over the owner's order).
   */
  async function accept(
    order: AcceptedOrder,
    log: FastifyInstance["log"],
    clientChosenId: boolean,
  ): Promise<IdempotencyRecord> {
    // Each step is timed whatever its outcome: a slow failure is as much the latency's cause.
    let started = performance.now();
    const stageDone = (stage: AcceptStage) => {
      const now = performance.now();
      metrics.observeAcceptStage(stage, (now - started) / 1000);
      started = now;
    };
    if (clientChosenId) {
      let owned: boolean;
      try {
        owned = await store.claimOrderId(order.orderId, order.customerId);
      } finally {
        stageDone("claim");
      }
      if (!owned) throw orderIdTaken(order.orderId);
    }
    try {
      await intake.submit(order);
    } catch (error) {
      log.error({ err: error, orderId: order.orderId }, "intake rejected the order");
      throw problems.unavailable(
        "the order could not be accepted right now (intake unavailable); retry later",
        2,
      );
    } finally {
      stageDone("intake");
    }
    metrics.ordersAccepted.inc();
    try {
      await cache.setMany([pendingEntry(order)]);
    } catch (error) {
      // The order is durable on the intake; a cold cache only means an early read goes to the database.
      log.warn(
        { err: error, orderId: order.orderId },
        "status cache write failed; order accepted regardless",
      );
    } finally {
      stageDone("cache");
    }
    return {
      requestHash: "",
      statusCode: 202,
      body: { orderId: order.orderId, status: "PENDING" },
      headers: { location: `/orders/${order.orderId}` },
    };
  }

  function send(reply: FastifyReply, record: IdempotencyRecord, replayed: boolean): FastifyReply {
    reply.code(record.statusCode).headers(record.headers);
    if (replayed) reply.header("idempotent-replayed", "true");
    return reply.send(record.body);
  }

  app.post<{ Body: CreateOrderBody; Headers: { "idempotency-key"?: string } }>(
    "/orders",
    {
      onRequest: auth.requireCaller,
      schema: {
        tags: ["orders"],
        summary: "Place an order (accepted asynchronously)",
        description:
          "Answers 202 once the order is durable on the intake; its final status (CONFIRMED or REJECTED) " +
          "follows at GET /orders/{id}. Supply `orderId` or an `Idempotency-Key` to make retries safe.",
        security: BEARER,
        headers: idempotencyHeaders,
        body: createOrderBody,
        response: {
          202: {
            description: "Accepted; Location points at the order",
            headers: { Location: { type: "string" } },
            ...acceptedOrder,
          },
          ...problemResponses(400, 401, 403, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const caller = request.caller;
      const body = request.body;
      if (!caller.admin && body.customerId !== caller.sub) {
        throw problems.forbidden("customerId must be your own customer id (the token's sub)");
      }
      const key = request.headers["idempotency-key"];
      if (key === undefined) {
        const record = await accept(
          toAcceptedOrder(body, new Date(), randomUUID),
          request.log,
          body.orderId !== undefined,
        );
        return send(reply, record, false);
      }
      const fingerprint = requestFingerprint(caller.sub, body);
      const outcome = await idempotency.run(caller.sub, key, fingerprint, async () => {
        const order = toAcceptedOrder(body, new Date(), () => derivedOrderId(caller.sub, key, fingerprint));
        return {
          ...(await accept(order, request.log, body.orderId !== undefined)),
          requestHash: fingerprint,
        };
      });
      return send(reply, outcome.record, outcome.replayed);
    },
  );

  /** The order from the database, else a PENDING entry of the cache; undefined if neither has it. */
  async function findOrder(orderId: string, log: FastifyInstance["log"]): Promise<OrderView | undefined> {
    const stored = await store.getOrder(orderId);
    if (stored) return stored;
    let cached: CachedStatus | undefined;
    try {
      cached = await cache.get(orderId);
    } catch (error) {
      log.warn({ err: error, orderId }, "status cache read failed; answering from the database alone");
      return undefined;
    }
    if (!cached) return undefined;
    // A decided entry means a worker committed between our database read and the cache read (it
    // commits before it refreshes the cache): the database has the order now.
    return viewFromCache(cached) ?? (await store.getOrder(orderId));
  }

  const visibleTo = (order: OrderView | undefined, caller: Caller): order is OrderView =>
    order !== undefined && (caller.admin || order.customerId === caller.sub);

  app.get<{ Params: { id: string } }>(
    "/orders/:id",
    {
      onRequest: auth.requireCaller,
      schema: {
        tags: ["orders"],
        summary: "Read an order (PENDING until a worker has decided it)",
        security: BEARER,
        params: orderIdParams,
        response: { 200: { $ref: "Order#" }, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const id = canonicalOrderId(request.params.id);
      const order = await findOrder(id, request.log);
      // Someone else's order is indistinguishable from a missing one: ids are not an oracle.
      if (!visibleTo(order, request.caller)) throw problems.notFound(`order ${id} not found`);
      return order;
    },
  );

  app.get<{ Querystring: ListOrdersQuery }>(
    "/orders",
    {
      onRequest: auth.requireCaller,
      schema: {
        tags: ["orders"],
        summary: "List orders, newest first (cursor pagination)",
        description: "Customers list their own orders; admins may list any customer's, or all.",
        security: BEARER,
        querystring: listOrdersQuery,
        response: { 200: orderPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { caller } = request;
      const { customerId, status, limit, cursor } = request.query;
      if (!caller.admin && customerId !== undefined && customerId !== caller.sub) {
        throw problems.forbidden("customers may only list their own orders");
      }
      try {
        return await store.listOrders({
          customerId: caller.admin ? customerId : caller.sub,
          status,
          limit,
          cursor,
        });
      } catch (error) {
        if (!(error instanceof InvalidCursorError)) throw error;
        throw problems.validation("cursor: not a cursor returned by a previous page", [
          {
            field: "cursor",
            in: "query",
            rule: "cursor",
            message: "must be a nextCursor returned by this API",
          },
        ]);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    "/orders/:id/cancel",
    {
      onRequest: auth.requireCaller,
      schema: {
        tags: ["orders"],
        summary: "Cancel a CONFIRMED order (releases its stock)",
        security: BEARER,
        params: orderIdParams,
        response: { 200: { $ref: "Order#" }, ...problemResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const id = canonicalOrderId(request.params.id);
      const current = await findOrder(id, request.log);
      if (!visibleTo(current, request.caller)) throw problems.notFound(`order ${id} not found`);
      if (current.status !== "CONFIRMED") throw cannotCancel(current.status);
      const result = await store.cancelOrder(id, new Date());
      if (result.kind === "not_found") throw problems.notFound(`order ${id} not found`);
      if (result.kind === "invalid_state") throw cannotCancel(result.status);
      const order = result.order;
      try {
        await cache.setMany([
          {
            orderId: order.orderId,
            customerId: order.customerId,
            status: order.status,
            updatedAt: order.updatedAt,
          },
        ]);
      } catch (error) {
        request.log.warn({ err: error, orderId: id }, "status cache write failed after cancel");
      }
      return order;
    },
  );
}

function cannotCancel(status: string) {
  return problems.conflict(`order is ${status}; only CONFIRMED orders can be cancelled`, {
    currentStatus: status,
  });
}

function orderIdTaken(orderId: string): HttpProblem {
  return new HttpProblem(
    409,
    "order-id-taken",
    "Order id already in use",
    `orderId ${orderId} belongs to another customer's order; omit orderId (the server picks one) or choose another`,
    {
      errors: [
        {
          field: "orderId",
          in: "body",
          rule: "unique: order ids belong to one customer",
          message: "is already used by another customer",
        },
      ],
    },
  );
}
