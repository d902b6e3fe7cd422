/**
 * How busy the whole machine was over a window, from the first line of /proc/stat (Linux): every
 * process counts, ours and not, so this is what says whether a run was bound by the machine (its
 * cores near full) and whether something else took CPU from it (busy well above the sum of the
 * bench's own processes). `steal` is time the hypervisor ran another guest while this one wanted
 * the CPU: on a VM a run can be short of CPU with the guest's own counters far from full.
 */
import { readFile } from "node:fs/promises";

/** The aggregate "cpu" line of /proc/stat, in clock ticks since boot. */
export interface MachineTicks {
  /** user + nice + system + irq + softirq: work done on this guest's CPUs. */
  busy: number;
  /** idle + iowait: nothing to run. */
  idle: number;
  steal: number;
  /** The CPUs /proc/stat counts (its cpuN lines): the cores the percentages below are shares of. */
  cpus: number;
}

/**
 * Parses the "cpu " line of /proc/stat: user nice system idle iowait irq softirq steal (guest and
 * guest_nice, when present, are already inside user and nice, so they are not added again).
 */
export function parseMachineTicks(procStat: string): MachineTicks {
  const line = procStat.split("\n").find((candidate) => candidate.startsWith("cpu "));
  if (line === undefined) throw new Error('/proc/stat has no aggregate "cpu " line');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) {
    throw new Error(`/proc/stat's cpu line has fewer than 8 numeric fields: "${line}"`);
  }
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const cpus = procStat.split("\n").filter((candidate) => /^cpu\d+\s/.test(candidate)).length;
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal, cpus: Math.max(1, cpus) };
}

export interface MachineCpu {
  /** The CPUs the shares are of (all online CPUs, whatever this process's affinity). */
  cpus: number;
  /** Busy share of all cores over the window, percent (100 = every core busy all the time). */
  busyPercent: number;
  /** Stolen share of all cores over the window, percent. */
  stealPercent: number;
}

/** The share of the machine's CPU time between two readings that was busy and that was stolen. */
export function machineCpuBetween(before: MachineTicks, after: MachineTicks): MachineCpu {
  const busy = after.busy - before.busy;
  const idle = after.idle - before.idle;
  const steal = after.steal - before.steal;
  const total = busy + idle + steal;
  if (total <= 0) return { cpus: after.cpus, busyPercent: 0, stealPercent: 0 };
  return { cpus: after.cpus, busyPercent: (100 * busy) / total, stealPercent: (100 * steal) / total };
}

async function readMachineTicks(): Promise<MachineTicks | undefined> {
  try {
    return parseMachineTicks(await readFile("/proc/stat", "utf8"));
  } catch {
    return undefined; // not Linux
  }
}

/** Starts measuring; `stop()` returns the window's figures, or undefined off Linux. */
export async function measureMachineCpu(): Promise<{ stop(): Promise<MachineCpu | undefined> }> {
  const before = await readMachineTicks();
  return {
    stop: async () => {
      const after = await readMachineTicks();
      return before && after ? machineCpuBetween(before, after) : undefined;
    },
  };
}
