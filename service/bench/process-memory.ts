/**
 * Resident memory of a process tree, from /proc/<pid>/status (Linux), split the way the kernel
 * accounts it: anonymous pages (heaps, stacks: what a leak grows), file-backed pages (mapped code and
 * data files such as LevelDB tables: the kernel drops them under pressure) and shared memory (a
 * PostgreSQL server's shared buffers, mapped by every backend: counted once per group, not per
 * process). A soak run reads it to say *which* memory grows, not only that RSS does.
 */
import { readFile } from "node:fs/promises";
import { descendantsOf, readProcessTable } from "./process-tree.js";

export interface MemoryGroup {
  /** Command name (node, postgres, …). */
  name: string;
  processes: number;
  pids: number[];
  /** Sum over the group's processes, in bytes. */
  anon: number;
  file: number;
  /**
   * The largest resident shared memory of one process in the group: for PostgreSQL, the part of its
   * shared memory (buffers, dynamic segments) that one backend has touched; counted once, not per process.
   */
  shmem: number;
}

interface ProcMemory {
  pid: number;
  ppid: number;
  name: string;
  anon: number;
  file: number;
  shmem: number;
}

const kib = (text: string, field: string) => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) * 1024 : 0;
};

async function readMemory(pid: number): Promise<ProcMemory | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/status`, "utf8");
    return {
      pid,
      ppid: Number(/^PPid:\s+(\d+)/m.exec(text)?.[1] ?? 0),
      name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? "?",
      anon: kib(text, "RssAnon"),
      file: kib(text, "RssFile"),
      shmem: kib(text, "RssShmem"),
    };
  } catch {
    return undefined; // exited meanwhile, or not Linux
  }
}

/** The memory of `rootPid` and every descendant, grouped by command name. */
export async function treeMemory(rootPid: number): Promise<MemoryGroup[]> {
  const groups = new Map<string, MemoryGroup>();
  for (const m of descendantsOf(await readProcessTable(readMemory), rootPid)) {
    const group = groups.get(m.name) ?? { name: m.name, processes: 0, pids: [], anon: 0, file: 0, shmem: 0 };
    group.processes++;
    group.pids.push(m.pid);
    group.anon += m.anon;
    group.file += m.file;
    group.shmem = Math.max(group.shmem, m.shmem);
    groups.set(m.name, group);
  }
  return [...groups.values()];
}
