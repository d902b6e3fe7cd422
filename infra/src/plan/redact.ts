import * as pulumi from "@pulumi/pulumi";
import { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "./types.js";

/**
 * Turns a value in Pulumi's wire form (what the resource monitor receives) into plain JSON for the plan:
 * secrets become {@link SECRET_PLACEHOLDER}, unknowns {@link UNKNOWN_PLACEHOLDER}, resource references
 * their URN, assets a short description. Plaintexts of the secrets met on the way are added to
 * `secretsSeen`, so a later pass can catch the same value where it arrived without its secret mark.
 */
export function fromWire(value: unknown, secretsSeen: Set<string>): unknown {
  if (value === pulumi.runtime.unknownValue) return UNKNOWN_PLACEHOLDER;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => fromWire(item, secretsSeen));
  const record = value as Record<string, unknown>;
  switch (record[pulumi.runtime.specialSigKey]) {
    case undefined:
      return Object.fromEntries(
        Object.entries(record).map(([key, item]) => [key, fromWire(item, secretsSeen)]),
      );
    case pulumi.runtime.specialSecretSig:
      collectStrings(record["value"], secretsSeen);
      return SECRET_PLACEHOLDER;
    case pulumi.runtime.specialResourceSig:
      return record["urn"];
    case pulumi.runtime.specialOutputValueSig:
      if (record["secret"] === true) {
        collectStrings(record["value"], secretsSeen);
        return SECRET_PLACEHOLDER;
      }
      return "value" in record ? fromWire(record["value"], secretsSeen) : UNKNOWN_PLACEHOLDER;
    default:
      // Assets and archives: say where they come from, not their bytes.
      return `[asset ${String(record["path"] ?? record["uri"] ?? (record["text"] === undefined ? "archive" : "text"))}]`;
  }
}

/** Short strings (booleans rendered as text, ports, "true") would redact unrelated values by accident. */
const MIN_SECRET_LENGTH = 8;

function collectStrings(value: unknown, into: Set<string>): void {
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
