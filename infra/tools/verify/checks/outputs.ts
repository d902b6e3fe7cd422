/** The stack exports every output the plan exports (integration suites and other systems read them). */
import type { Check } from "../types.js";

export const outputsComplete: Check = {
  id: "outputs-complete",
  title: "every output the plan exports is set on the deployed stack",
  appliesTo: () => true,
  async run({ plan, outputs }, findings) {
    const expected = Object.keys(plan.plan.outputs);
    const missing = expected.filter((key) => !outputs.has(key));
    findings.that(
      `outputs in ${outputs.source}`,
      missing.length === 0,
      expected,
      `missing ${missing.join(", ")}`,
    );
    findings.note(`${expected.length - missing.length}/${expected.length} outputs set`);
  },
};
