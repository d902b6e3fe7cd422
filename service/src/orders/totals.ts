/**
 * Money arithmetic in integer minor units. JS numbers are exact only up to 2^53 − 1, so every product
 * and sum is checked: a result outside that range is an error, never a silently rounded amount.
 */

/** A computed amount left the range in which a JS number is exact. */
export class AmountOverflowError extends RangeError {
  constructor(readonly operation: string) {
    super(`amount overflow: ${operation} exceeds ${Number.MAX_SAFE_INTEGER} minor units`);
    this.name = "AmountOverflowError";
  }
}

function requireAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer (got ${value})`);
  }
}

/** unitPrice × quantity, exact. */
export function lineTotal(unitPrice: number, quantity: number): number {
  requireAmount(unitPrice, "unitPrice");
  requireAmount(quantity, "quantity");
  const total = unitPrice * quantity;
  if (!Number.isSafeInteger(total)) throw new AmountOverflowError(`${unitPrice} × ${quantity}`);
  return total;
}

/** Σ amounts, exact. */
export function sumAmounts(amounts: Iterable<number>): number {
  let sum = 0;
  for (const amount of amounts) {
    requireAmount(amount, "amount");
    sum += amount;
    if (!Number.isSafeInteger(sum)) throw new AmountOverflowError("sum of line totals");
  }
  return sum;
}
