/**
 * The process table of this machine, from /proc (Linux), and walks of it: the one place the bench's
 * readers (process-cpu.ts: CPU ticks from /proc/<pid>/stat; process-memory.ts: resident memory from
 * /proc/<pid>/status) list processes and find a process's descendants.
 */
import { readdir } from "node:fs/promises";

/** What every reader knows of a process: itself and its parent. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
}

/**
 * Reads every process with `read` (one /proc/<pid>/… file each); processes that exited meanwhile, and
 * every process off Linux, are left out (`read` returns undefined for them).
 */
export async function readProcessTable<Entry extends ProcessEntry>(
  read: (pid: number) => Promise<Entry | undefined>,
): Promise<Entry[]> {
  const names = await readdir("/proc").catch(() => [] as string[]);
  const table: Entry[] = [];
  for (const entry of await Promise.all(
    names.filter((name) => /^\d+$/.test(name)).map((name) => read(Number(name))),
  )) {
    if (entry !== undefined) table.push(entry);
  }
  return table;
}

/**
 * `rootPid` and its descendants in `table` (empty when it is not there). A descendant for which
 * `stopAt` is true is left out with its own subtree (another root, counted under its own label).
 */
export function descendantsOf<Entry extends ProcessEntry>(
  table: readonly Entry[],
  rootPid: number,
  stopAt: (entry: Entry) => boolean = () => false,
): Entry[] {
  const children = new Map<number, Entry[]>();
  for (const entry of table) {
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const root = table.find((entry) => entry.pid === rootPid);
  const found: Entry[] = [];
  const queue = root ? [root] : [];
  while (queue.length > 0) {
    const entry = queue.pop()!;
    found.push(entry);
    queue.push(...(children.get(entry.pid) ?? []).filter((child) => !stopAt(child)));
  }
  return found;
}
