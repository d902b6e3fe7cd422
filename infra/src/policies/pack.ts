/**
 * The PolicyPack entry for `pulumi preview --policy-pack infra/src/policies` (see infra/README.md).
 * Constructing a PolicyPack starts the analyzer's gRPC server, so nothing may import this file: the rules
 * and their wiring live in rules.ts and validate.ts, which the tests exercise.
 */
import { PolicyPack } from "@pulumi/policy";
import { RULES } from "./rules.js";
import { stackValidator } from "./validate.js";

new PolicyPack("fastcart-orders", {
  description:
    "FastCart Orders: encryption, isolation, least privilege, naming and tagging rules (infra/src/policies).",
  enforcementLevel: "mandatory",
  policies: RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: stackValidator(rule),
  })),
});
