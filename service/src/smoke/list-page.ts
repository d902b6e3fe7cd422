/**
 * One page of GET /orders. The contract names the query (`customerId, status, limit, cursor`) but
 * not the page's shape, so this reads the common spellings — `{orders, nextCursor}` first — and
 * fails with the body when it finds none, rather than guessing silently.
 */
import { fail, isRecord } from "./expect.js";

export interface ListedOrder {
  orderId: string;
  customerId?: string;
}

export interface ListPage {
  orders: ListedOrder[];
  /** Absent (or null/empty in the body) on the last page. */
  nextCursor?: string;
}

const ARRAY_KEYS = ["orders", "items", "data"] as const;
const CURSOR_KEYS = ["nextCursor", "next_cursor", "cursor", "next"] as const;

export function readListPage(body: Record<string, unknown>): ListPage {
  const arrayKey = ARRAY_KEYS.find((key) => Array.isArray(body[key]));
  if (!arrayKey) {
    fail(
      `list body has no orders array (looked for ${ARRAY_KEYS.join(", ")}): ${JSON.stringify(body).slice(0, 300)}`,
    );
  }
  const orders = (body[arrayKey] as unknown[]).map((entry, i): ListedOrder => {
    if (!isRecord(entry) || typeof entry.orderId !== "string") {
      fail(`${arrayKey}[${i}] has no orderId: ${JSON.stringify(entry)}`);
    }
    const listed: ListedOrder = { orderId: entry.orderId };
    if (typeof entry.customerId === "string") listed.customerId = entry.customerId;
    return listed;
  });
  const page: ListPage = { orders };
  for (const key of CURSOR_KEYS) {
    const value = body[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") fail(`list ${key} must be a string or null, got ${JSON.stringify(value)}`);
    page.nextCursor = value;
    break;
  }
  return page;
}
