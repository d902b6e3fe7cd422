/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and ranks where the time went: by function
 * (self time, and inclusive time — the function and everything it called) and by module group
 * (our src/ files, each node_modules package, node internals, GC). This is what "profile it and find
 * the hot spots" needs without a flame-graph viewer on a headless machine.
 *
 * Usage on its own: `node --import tsx bench/cpu-profile.ts <file.cpuprofile> [--top 25]`.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Hotspot {
  name: string;
  /** Share of non-idle CPU time, in percent. */
  selfPercent: number;
  inclusivePercent: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the profile, in seconds. */
  seconds: number;
  /** Share of samples that were not (idle), in percent (≈ CPU use of the main thread). */
  busyPercent: number;
  functions: Hotspot[];
  groups: { group: string; selfPercent: number }[];
}

/** Which part of the program a frame belongs to. */
export function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf("/service/src/");
  if (src !== -1) return `src/${url.slice(src + "/service/src/".length)}`;
  return basename(url);
}

function frameName(frame: CallFrame): string {
  const fn = frame.functionName || "(anonymous)";
  const group = groupOf(frame);
  return frame.url ? `${fn} (${group}:${frame.lineNumber + 1})` : fn;
}

export function summarizeProfile(profile: CpuProfile, file: string, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Self time per node from the sample stream (more precise than hitCount when intervals vary).
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    total += micros;
    if (byId.get(id)?.callFrame.functionName === "(idle)") idle += micros;
  }
  const busy = Math.max(1, total - idle);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const groups = new Map<string, number>();
  // Depth-first with the names on the current stack, so recursion is not counted twice inclusively.
  const root = profile.nodes[0];
  const stack: { node: ProfileNode; names: Set<string> }[] = root ? [{ node: root, names: new Set() }] : [];
  while (stack.length > 0) {
    const { node, names } = stack.pop()!;
    const name = frameName(node.callFrame);
    const own = node.callFrame.functionName === "(idle)" ? 0 : (selfMicros.get(node.id) ?? 0);
    const path = names.has(name) ? names : new Set([...names, name]);
    if (own > 0) {
      self.set(name, (self.get(name) ?? 0) + own);
      const group = groupOf(node.callFrame);
      groups.set(group, (groups.get(group) ?? 0) + own);
      for (const onStack of path) inclusive.set(onStack, (inclusive.get(onStack) ?? 0) + own);
    }
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (child) stack.push({ node: child, names: path });
    }
  }
  const percent = (micros: number) => Math.round((micros / busy) * 1000) / 10;
  const functions = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({
      name,
      selfPercent: percent(micros),
      inclusivePercent: percent(inclusive.get(name) ?? micros),
    }));
  return {
    file,
    seconds: Math.round((profile.endTime - profile.startTime) / 10_000) / 100,
    busyPercent: Math.round((busy / Math.max(1, total)) * 1000) / 10,
    functions,
    groups: [...groups.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, micros]) => ({ group, selfPercent: percent(micros) })),
  };
}

/** Inclusive share of our own src/ functions: where to look first for a fix. */
export function ownHotspots(profile: CpuProfile, top = 15): Hotspot[] {
  return summarizeProfile(profile, "", 100_000)
    .functions.filter((f) => f.name.includes("(src/"))
    .sort((a, b) => b.inclusivePercent - a.inclusivePercent)
    .slice(0, top);
}

export async function readProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, "utf8")) as CpuProfile;
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const lines = [
    `CPU profile ${summary.file}: ${summary.seconds} s, main thread busy ${summary.busyPercent}% of the time`,
    "  by module (self time, % of busy time):",
    ...summary.groups.map((g) => `    ${String(g.selfPercent).padStart(5)}%  ${g.group}`),
    "  by function (self %, inclusive %):",
    ...summary.functions.map(
      (f) =>
        `    ${String(f.selfPercent).padStart(5)}%  ${String(f.inclusivePercent).padStart(5)}%  ${f.name}`,
    ),
  ];
  return lines.join("\n");
}

// Run directly: summarise the given profile files.
if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const files: string[] = [];
  let top = 25;
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--top") top = Number(args[++i]);
    else files.push(args[i]!);
  }
  for (const file of files) {
    const profile = await readProfile(file);
    process.stdout.write(`${formatProfileSummary(summarizeProfile(profile, file, top))}\n`);
    process.stdout.write(
      `  our code, inclusive:\n${ownHotspots(profile)
        .map((f) => `    ${String(f.inclusivePercent).padStart(5)}%  ${f.name}`)
        .join("\n")}\n`,
    );
  }
}
