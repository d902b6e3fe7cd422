/**
 * A node:test reporter for the mutation runner (tools/mutate.ts): one JSON line per failed test, not
 * per suite, naming the file and the test, so the runner can say which test killed a mutation.
 * Plain JavaScript: node loads reporters before `--import tsx` takes effect.
 */
import { relative } from "node:path";

export default async function* mutationReporter(source) {
  for await (const event of source) {
    if (event.type !== "test:fail" || event.data.details?.type === "suite") continue;
    const file = event.data.file === undefined ? "?" : relative(process.cwd(), event.data.file);
    yield `${JSON.stringify({ file, name: event.data.name })}\n`;
  }
}
