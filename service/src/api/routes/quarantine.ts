/**
 * Admin endpoints of the quarantine (pipeline/replay.ts): list the records and PENDING orders the
 * workers could not decide, read one (raw bytes as base64), replay one after the cause is fixed —
 * through the normal decision path, idempotently — or discard it with a reason that is kept.
 */
import type { FastifyInstance } from "fastify";
import { storableText } from "../../orders/storable-text.js";
import type { QuarantineAdmin } from "../../pipeline/replay.js";
import {
  QUARANTINE_REASONS,
  QUARANTINE_STATES,
  type QuarantinedRecord,
  type QuarantineState,
} from "../../store/quarantine-store.js";
import type { AuthHooks } from "../auth.js";
import { problems } from "../errors.js";
import { problemResponses } from "../schemas.js";

const BEARER = [{ bearerAuth: [] }];
const TIMESTAMP = { type: "string", format: "date-time" } as const;

const quarantinedView = {
  type: "object",
  required: [
    "quarantineId",
    "intake",
    "reason",
    "error",
    "attempts",
    "firstSeenAt",
    "lastSeenAt",
    "state",
    "data",
  ],
  properties: {
    quarantineId: { type: "string" },
    intake: { type: "string", enum: ["stream", "table"] },
    streamName: { type: "string" },
    shardId: { type: "string" },
    sequenceNumber: { type: "string" },
    subSequenceNumber: {
      type: "integer",
      description: "Index of the user record inside a KPL-aggregated record",
    },
    partitionKey: { type: "string" },
    orderId: { type: "string", description: "Table mode: the PENDING order (still PENDING for its owner)" },
    data: { type: "string", description: "The raw record bytes (table mode: the order as a record), base64" },
    reason: { type: "string", enum: QUARANTINE_REASONS },
    error: { type: "string" },
    attempts: { type: "integer" },
    firstSeenAt: TIMESTAMP,
    lastSeenAt: TIMESTAMP,
    state: { type: "string", enum: QUARANTINE_STATES },
    resolution: { type: "string" },
    resolvedAt: TIMESTAMP,
  },
} as const;

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", format: "uuid", description: "quarantineId" } },
} as const;

function view(record: QuarantinedRecord) {
  const { rawData, ...rest } = record;
  return {
    ...rest,
    data: Buffer.from(rawData).toString("base64"),
    firstSeenAt: record.firstSeenAt.toISOString(),
    lastSeenAt: record.lastSeenAt.toISOString(),
    ...(record.resolvedAt ? { resolvedAt: record.resolvedAt.toISOString() } : {}),
  };
}

export function registerQuarantineRoutes(
  app: FastifyInstance,
  admin: QuarantineAdmin,
  auth: AuthHooks,
): void {
  app.get<{ Querystring: { state: QuarantineState; limit: number } }>(
    "/admin/quarantine",
    {
      onRequest: auth.requireAdmin,
      schema: {
        tags: ["quarantine"],
        summary: "List quarantined records (default: the open ones, most recently seen first)",
        security: BEARER,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            state: { type: "string", enum: QUARANTINE_STATES, default: "QUARANTINED" },
            limit: { type: "integer", minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["records"],
            properties: { records: { type: "array", items: quarantinedView } },
          },
          ...problemResponses(400, 401, 403, 503),
        },
      },
    },
    async (request) => ({ records: (await admin.list(request.query.state, request.query.limit)).map(view) }),
  );

  app.get<{ Params: { id: string } }>(
    "/admin/quarantine/:id",
    {
      onRequest: auth.requireAdmin,
      schema: {
        tags: ["quarantine"],
        summary: "One quarantined record",
        security: BEARER,
        params: idParams,
        response: { 200: quarantinedView, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const record = await admin.get(request.params.id);
      if (!record) throw problems.notFound(`no quarantined record ${request.params.id}`);
      return view(record);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/admin/quarantine/:id/replay",
    {
      onRequest: auth.requireAdmin,
      schema: {
        tags: ["quarantine"],
        summary: "Replay a quarantined record through the normal decision path",
        description:
          "Stream records are decided at once (the response carries the decision); table-mode orders become " +
          "claimable again and the workers decide them. Idempotent: a record already replayed or discarded is a 409.",
        security: BEARER,
        params: idParams,
        response: {
          200: {
            type: "object",
            required: ["record"],
            properties: {
              record: quarantinedView,
              decision: {
                type: "object",
                properties: {
                  orderId: { type: "string" },
                  status: { type: "string" },
                  reason: { type: "string" },
                },
              },
            },
          },
          ...problemResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      const result = await admin.replay(id, `replayed by ${request.caller.sub}`);
      switch (result.outcome) {
        case "not-found":
          throw problems.notFound(`no quarantined record ${id}`);
        case "not-open":
          throw problems.conflict(`record ${id} is ${result.record.state}, not QUARANTINED`, {
            state: result.record.state,
          });
        case "undecodable":
          throw problems.conflict(`record ${id} is still not an order record: ${result.reason}; discard it`);
        case "failed":
          if (result.transient)
            throw problems.unavailable(`replay of ${id} failed on a transient fault; retry`);
          throw problems.conflict(`replay of ${id} failed again: ${result.error}; it stays quarantined`);
        default: {
          const fresh = (await admin.get(id)) ?? result.record;
          const d = result.decision;
          return {
            record: view(fresh),
            ...(d
              ? {
                  decision: {
                    orderId: d.orderId,
                    status: d.status,
                    ...(d.reason ? { reason: d.reason } : {}),
                  },
                }
              : {}),
          };
        }
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    "/admin/quarantine/:id/discard",
    {
      onRequest: auth.requireAdmin,
      schema: {
        tags: ["quarantine"],
        summary: "Discard a quarantined record, keeping the reason",
        security: BEARER,
        params: idParams,
        body: {
          type: "object",
          required: ["reason"],
          additionalProperties: false,
          properties: { reason: { type: "string", minLength: 1, maxLength: 500, ...storableText } },
        },
        response: { 200: quarantinedView, ...problemResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const outcome = await admin.discard(id, `${request.body.reason} (by ${request.caller.sub})`);
      if (outcome === "not-found") throw problems.notFound(`no quarantined record ${id}`);
      const record = await admin.get(id);
      if (outcome === "not-open")
        throw problems.conflict(`record ${id} is ${record?.state}, not QUARANTINED`);
      return view(record!);
    },
  );
}
