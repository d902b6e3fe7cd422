/**
 * The smoke checks, in the order they run. Each one exercises one promise of the API contract from
 * the outside, as a client on a laptop or behind the ALB would.
 */

import type { SmokeCheck } from "./check-helpers.js";
import {
  customerCannotReadForeignOrder,
  customerCannotWriteCatalog,
  garbageToken,
  health,
  metrics,
  noToken,
  ready,
} from "./checks-access.js";
import {
  cancelAgain,
  cancelConfirmed,
  cancelRejected,
  listPaginates,
  stockReleased,
} from "./checks-lifecycle.js";
import {
  confirmed,
  createProducts,
  idempotentConflict,
  idempotentReplay,
  malformedJson,
  outOfStock,
  placeOrders,
  quantityZero,
  reachFinalStatus,
  readableWhilePending,
  stockReserved,
  unknownSku,
  wrongContentType,
} from "./checks-orders.js";
import type { SmokeContext } from "./context.js";

/** Checks that need a customer identity (--customer-token or --secret). */
export const CUSTOMER_CHECKS: readonly SmokeCheck[] = [
  customerCannotWriteCatalog,
  customerCannotReadForeignOrder,
];

export const ALL_CHECKS: readonly SmokeCheck[] = [
  health,
  ready,
  noToken,
  garbageToken,
  customerCannotWriteCatalog,
  createProducts,
  placeOrders,
  readableWhilePending,
  reachFinalStatus,
  confirmed,
  outOfStock,
  unknownSku,
  stockReserved,
  customerCannotReadForeignOrder,
  idempotentReplay,
  idempotentConflict,
  quantityZero,
  malformedJson,
  wrongContentType,
  cancelConfirmed,
  cancelAgain,
  cancelRejected,
  stockReleased,
  listPaginates,
  metrics,
];

/** The checks this run can do: the customer refusals only when a customer identity exists. */
export function checksFor(context: SmokeContext): { checks: SmokeCheck[]; notChecked: string[] } {
  if (context.customer) return { checks: [...ALL_CHECKS], notChecked: [] };
  return {
    checks: ALL_CHECKS.filter((check) => !CUSTOMER_CHECKS.includes(check)),
    notChecked: CUSTOMER_CHECKS.map((check) => check.name),
  };
}
