/**
 * Plans one fixture stack in its own process and prints the outcome as JSON on stdout. For failures
 * that Pulumi also reports as unhandled promise rejections, which the test runner would otherwise
 * pin on whichever test is running.
 */
import { join } from "node:path";
import { planProgram } from "../../src/plan/plan.js";
import { readStackSettings } from "../../src/plan/stack-settings.js";
import { tinyProgram } from "./fixture-program.js";

const [stack = ""] = process.argv.slice(2);
try {
  const plan = await planProgram(
    readStackSettings(stack, join(import.meta.dirname, "fixture-project")),
    tinyProgram,
  );
  process.stdout.write(JSON.stringify({ ok: true, resources: plan.resources.length }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, message: (error as Error).message }));
}
