/**
 * Text the databases can store. PostgreSQL refuses U+0000 in text columns ("invalid byte sequence for
 * encoding UTF8: 0x00"), and a lone UTF-16 surrogate has no UTF-8 encoding at all (MySQL's utf8mb4
 * refuses it; Node would silently turn it into U+FFFD, storing something the client never sent). Such
 * a string accepted at the edge can never be written: on the stream it would fail its batch forever.
 * So every free-text field of the API and of the stream record carries this rule, and both refuse it
 * with a reason naming the field.
 *
 * The pattern is a JSON Schema `pattern` (ECMA-262 with the `u` flag, which ajv uses by default): in
 * Unicode mode a correctly paired surrogate is one astral code point, so only an unpaired one falls in
 * the class, and emoji stay allowed.
 */

/** JSON Schema pattern of storable text: no U+0000 and no unpaired surrogate. */
export const STORABLE_TEXT_PATTERN = "^[^\\u0000\\uD800-\\uDFFF]*$";

/** The rule as error responses name it. */
export const STORABLE_TEXT_RULE = "storable text: no U+0000, no unpaired surrogate";

/** Why the text cannot be stored: its message in error responses and poison reasons. */
export const STORABLE_TEXT_MESSAGE =
  "contains U+0000 or an unpaired UTF-16 surrogate, which cannot be stored";

// The same pattern, compiled as ajv compiles it, so the two can never disagree.
const STORABLE = new RegExp(STORABLE_TEXT_PATTERN, "u");

/** True when the string can be written to PostgreSQL and MySQL (utf8mb4) text columns as it is. */
export function isStorableText(text: string): boolean {
  return STORABLE.test(text);
}

/** Schema fragment to spread into a string schema. */
export const storableText = { pattern: STORABLE_TEXT_PATTERN } as const;
