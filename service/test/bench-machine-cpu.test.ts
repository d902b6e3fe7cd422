/**
 * The bench's whole-machine CPU reading (bench/machine-cpu.ts): which /proc/stat fields are busy, idle
 * and stolen, the shares over a window, and a live reading that sees this process spin.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { machineCpuBetween, parseMachineTicks } from "../bench/machine-cpu.js";

// user nice system idle iowait irq softirq steal guest guest_nice
const SAMPLE = "cpu  1000 20 300 5000 80 5 15 40 7 0\ncpu0 500 10 150 2500 40 2 7 20 7 0\nintr 1 2 3\n";

test("busy is user + nice + system + irq + softirq; idle includes iowait; guest is not added twice; the cpuN lines are the CPUs", () => {
  assert.deepEqual(parseMachineTicks(SAMPLE), { busy: 1340, idle: 5080, steal: 40, cpus: 1 });
});

test("a /proc/stat without the aggregate line, or with too few fields, is refused by name", () => {
  assert.throws(() => parseMachineTicks("cpu0 1 2 3 4 5 6 7 8\n"), /no aggregate "cpu " line/);
  assert.throws(() => parseMachineTicks("cpu  1 2 3 4\n"), /fewer than 8 numeric fields/);
});

test("shares over a window: busy and stolen of all ticks, 0 for an empty window", () => {
  const before = { busy: 1000, idle: 1000, steal: 0, cpus: 2 };
  assert.deepEqual(machineCpuBetween(before, { busy: 1150, idle: 1040, steal: 10, cpus: 2 }), {
    cpus: 2,
    busyPercent: 75,
    stealPercent: 5,
  });
  assert.deepEqual(machineCpuBetween(before, before), { cpus: 2, busyPercent: 0, stealPercent: 0 });
});

test("the live reading counts this process's spin as busy", {
  skip: process.platform !== "linux",
}, async () => {
  const before = parseMachineTicks(await readFile("/proc/stat", "utf8"));
  const until = performance.now() + 500;
  while (performance.now() < until) {
    // spin: half a second of one core, 50 ticks at USER_HZ 100
  }
  const after = parseMachineTicks(await readFile("/proc/stat", "utf8"));
  assert.ok(after.busy - before.busy >= 35, `busy grew by ${after.busy - before.busy} ticks`);
});
