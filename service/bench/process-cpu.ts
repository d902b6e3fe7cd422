/**
 * CPU used by the processes of a benchmark, from /proc (Linux): a process and its descendants grouped
 * by command name (node, postgres, …). On a 2-core machine this is what says whether the system's
 * event loop was the limit (its node process near 100% of one core) or something else was.
 */
import { readFile } from "node:fs/promises";
import { descendantsOf, readProcessTable } from "./process-tree.js";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux for decades). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  name: string;
  /** utime + stime, in ticks. */
  ticks: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // The name is in parentheses and may contain spaces; the fields after ")" are space-separated.
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return {
      pid,
      name: text.slice(open + 1, close),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined; // exited meanwhile, or not Linux
  }
}

/**
 * Ticks per "<label>: <command>" group for the trees rooted at `roots`, plus every process whose
 * command is a key of `byName` (e.g. a shared PostgreSQL server, not a descendant of ours).
 */
async function snapshot(
  roots: Map<number, string>,
  byName: Map<string, string>,
): Promise<Map<string, number>> {
  const stats = await readProcessTable(readStat);
  const groups = new Map<string, number>();
  for (const [rootPid, label] of roots) {
    // A child that is a root of its own is counted under its own label, not twice.
    for (const stat of descendantsOf(stats, rootPid, (child) => roots.has(child.pid))) {
      const key = `${label}: ${stat.name}`;
      groups.set(key, (groups.get(key) ?? 0) + stat.ticks);
    }
  }
  for (const stat of stats) {
    const label = byName.get(stat.name);
    if (label !== undefined) groups.set(label, (groups.get(label) ?? 0) + stat.ticks);
  }
  return groups;
}

/**
 * Label for this process's own tree when its pid is passed as a root: its children (e.g. an embedded
 * PostgreSQL started here) are counted as "<label>: <command>", and its own node is left out.
 */
export const SELF_LABEL = "bench";

export interface CpuShare {
  group: string;
  /** Percent of one core over the window (200% = both cores of a 2-core machine). */
  percentOfCore: number;
  /** CPU seconds used in the window. */
  cpuSeconds: number;
}

/** Starts measuring the given process trees; `stop()` returns each group's CPU over the window. */
export async function measureProcessCpu(
  roots: Map<number, string>,
  byName: Map<string, string> = new Map(),
): Promise<{ stop(): Promise<CpuShare[]> }> {
  const before = await snapshot(roots, byName);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  return {
    stop: async () => {
      const after = await snapshot(roots, byName);
      const seconds = (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      const shares: CpuShare[] = [
        {
          group: "load generator (this process)",
          percentOfCore: Math.round(((own.user + own.system) / 1e6 / seconds) * 100),
          cpuSeconds: (own.user + own.system) / 1e6,
        },
      ];
      for (const [group, ticks] of after) {
        // This process's own node is the load generator, measured above from process.cpuUsage().
        if (group === `${SELF_LABEL}: node`) continue;
        // Processes that exited during the window take their ticks with them: never below 0.
        const used = Math.max(0, ticks - (before.get(group) ?? 0)) / TICKS_PER_SECOND;
        shares.push({ group, percentOfCore: Math.round((used / seconds) * 100), cpuSeconds: used });
      }
      return shares.sort((a, b) => b.percentOfCore - a.percentOfCore);
    },
  };
}
