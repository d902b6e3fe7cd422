/**
 * The opaque page cursor of GET /orders: base64url of the last row's (created_at, order_id), the
 * keyset the listing is ordered by. Opaque to clients so the ordering can change without an API change.
 */

/** A cursor that was not produced by this service (or was altered). */
export class InvalidCursorError extends Error {
  constructor() {
    super("cursor: not a cursor returned by a previous page");
    this.name = "InvalidCursorError";
  }
}

export interface CursorPosition {
  createdAt: Date;
  orderId: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.orderId])).toString(
    "base64url",
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new InvalidCursorError();
  const [at, orderId] = parsed as unknown[];
  if (typeof at !== "string" || typeof orderId !== "string" || !UUID.test(orderId))
    throw new InvalidCursorError();
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime())) throw new InvalidCursorError();
  return { createdAt, orderId };
}
