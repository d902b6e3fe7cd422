/**
 * The AWS API calls the service's own code makes, read from its source (every `new XCommand(…)` of an
 * `@aws-sdk/client-*` package under service/src), so the simulated call list cannot silently miss one
 * the code adds. A client other than Kinesis fails until its calls are added to the call list.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Calls only the laptop stack (`npm start`) makes; in AWS the stack itself creates what they create. */
export const LOCAL_ONLY_CALLS: Readonly<Record<string, string>> = {
  "kinesis:CreateStream":
    "ensureStream creates the local stream (kinesalite); the stack creates the real one",
};

/** The service's source directory, found through the workspace package (works from a scratch copy too). */
function serviceSource(): string {
  return dirname(fileURLToPath(import.meta.resolve("@fastcart/service/contract")));
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** `service:Action` → the files that send it, e.g. `kinesis:PutRecords` → [`modes/stream/kinesis-intake.ts`]. */
export function serviceApiCalls(): Map<string, string[]> {
  const root = serviceSource();
  const calls = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, "utf8");
    for (const [, names, client] of text.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/client-([a-z0-9-]+)"/g,
    )) {
      for (const name of names!.split(",").map((part) => part.trim().replace(/^type\s+/, ""))) {
        const command = /^(\w+)Command$/.exec(name)?.[1];
        if (command === undefined || !new RegExp(`new ${name}\\(`).test(text)) continue;
        const action = `${client}:${command}`;
        calls.set(action, [...(calls.get(action) ?? []), relative(root, file)]);
      }
    }
  }
  return calls;
}
