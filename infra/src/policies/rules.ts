import type { PlanResource } from "../plan/types.js";
import { encryptedWithCustomerKey } from "./encryption.js";
import { type PolicyContext, ResourceGraph, type Rule, type Violation } from "./graph.js";
import { leastPrivilegeIam } from "./iam.js";
import { namesCarrySuffix } from "./naming.js";
import { dataStoresPrivate, noOpenIngress, tasksWithoutPublicIp } from "./network.js";
import { requiredTags } from "./tagging.js";

export type { PolicyContext, Rule, Violation } from "./graph.js";

/** Every rule, in the order reports list them. The PolicyPack registers each as one mandatory policy. */
export const RULES: readonly Rule[] = [
  encryptedWithCustomerKey,
  dataStoresPrivate,
  noOpenIngress,
  leastPrivilegeIam,
  tasksWithoutPublicIp,
  namesCarrySuffix,
  requiredTags,
];

/** Runs `rules` over a plan's resources (or a preview's, adapted); an empty list means the stack complies. */
export function checkResources(
  resources: readonly PlanResource[],
  context: PolicyContext,
  rules: readonly Rule[] = RULES,
): Violation[] {
  const graph = new ResourceGraph(resources);
  return rules.flatMap((rule) => rule.check(graph, context));
}
