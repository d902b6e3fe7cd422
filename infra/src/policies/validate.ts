import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { policyContextForStack, stackOfResources } from "./context.js";
import { ResourceGraph, type Rule } from "./graph.js";
import { planResourcesFromPolicy } from "./policy-resource.js";

/**
 * Turns a rule into a PolicyPack `validateStack`: adapt the engine's resources to the plan's shape,
 * derive the stack's context from its stack file, run the rule, report each violation on its resource.
 * The pack file only maps RULES through this, so everything here is tested without starting the pack.
 */
export function stackValidator(
  rule: Rule,
): (args: StackValidationArgs, reportViolation: ReportViolation) => void {
  return (args, reportViolation) => {
    const resources = planResourcesFromPolicy(args.resources);
    if (resources.length === 0) return;
    const context = policyContextForStack(stackOfResources(resources));
    for (const violation of rule.check(new ResourceGraph(resources), context)) {
      reportViolation(violation.message, violation.urn);
    }
  };
}
