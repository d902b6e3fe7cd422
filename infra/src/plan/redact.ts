import * as pulumi from "@pulumi/pulumi";
import { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "./types.js";

/**
 * Turns a value in Pulumi's wire form (what the resource monitor receives) into plain JSON for the plan:
 * secrets become {@link SECRET_PLACEHOLDER}, unknowns {@link UNKNOWN_PLACEHOLDER}, resource references
 * their URN, assets a short description.
 */
export function fromWire(value: unknown): unknown {
  if (value === pulumi.runtime.unknownValue) return UNKNOWN_PLACEHOLDER;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => fromWire(item));
  const record = value as Record<string, unknown>;
  switch (record[pulumi.runtime.specialSigKey]) {
    case undefined:
      return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, fromWire(item)]));
    case pulumi.runtime.specialSecretSig:
      return SECRET_PLACEHOLDER;
    case pulumi.runtime.specialResourceSig:
      return record["urn"];
    case pulumi.runtime.specialOutputValueSig:
      if (record["secret"] === true) return SECRET_PLACEHOLDER;
      return "value" in record ? fromWire(record["value"]) : UNKNOWN_PLACEHOLDER;
    default:
      // Assets and archives: say where they come from, not their bytes.
      return `[asset ${String(record["path"] ?? record["uri"] ?? (record["text"] === undefined ? "archive" : "text"))}]`;
  }
}

/** Short strings (booleans rendered as text, ports, "true") would redact unrelated values by accident. */
const MIN_SECRET_LENGTH = 8;

/**
 * Adds the plaintext strings in `value` to `into`. Used only for values that are secret by origin (stack
 * config secrets, generated passwords): a value the SDK merely marks secret, such as every SSM parameter
 * value, may well be an ordinary word used elsewhere, and would redact it everywhere.
 */
export function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    if (value.length >= MIN_SECRET_LENGTH) into.add(value);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) collectStrings(item, into);
  }
}

/**
 * The safety net behind the secret marks: replaces every string that contains a known secret with
 * {@link SECRET_PLACEHOLDER} and reports where, because a secret that lost its mark (an `apply` that
 * built a string from it after `unsecret`, say) is a bug in the program worth fixing, not just hiding.
 */
export function scrubLeakedSecrets(
  value: unknown,
  secrets: ReadonlySet<string>,
  where: string,
  leaks: string[],
): unknown {
  if (typeof value === "string") {
    for (const secret of secrets) {
      if (value.includes(secret)) {
        leaks.push(where);
        return SECRET_PLACEHOLDER;
      }
    }
    return value;
  }
  if (Array.isArray(value))
    return value.map((item, index) => scrubLeakedSecrets(item, secrets, `${where}[${index}]`, leaks));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        scrubLeakedSecrets(item, secrets, `${where}.${key}`, leaks),
      ]),
    );
  }
  return value;
}
