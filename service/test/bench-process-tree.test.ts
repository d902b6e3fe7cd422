/**
 * The bench's process-table walk (bench/process-tree.ts): descendants at any depth, nothing outside
 * the tree, and a subtree left out where the caller counts it under a label of its own.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { descendantsOf, readProcessTable } from "../bench/process-tree.js";

const table = [
  { pid: 1, ppid: 0 },
  { pid: 10, ppid: 1 },
  { pid: 11, ppid: 10 },
  { pid: 12, ppid: 11 },
  { pid: 13, ppid: 10 },
  { pid: 14, ppid: 13 },
  { pid: 20, ppid: 1 },
];
const pids = (entries: { pid: number }[]) => entries.map((entry) => entry.pid).sort((a, b) => a - b);

test("a root and its descendants at any depth, nothing else", () => {
  assert.deepEqual(pids(descendantsOf(table, 10)), [10, 11, 12, 13, 14]);
  assert.deepEqual(pids(descendantsOf(table, 99)), [], "a root that is not there: nothing");
});

test("a descendant the caller stops at is left out with its subtree", () => {
  assert.deepEqual(pids(descendantsOf(table, 10, (entry) => entry.pid === 13)), [10, 11, 12]);
});

test("the live table holds this process under its parent", {
  skip: process.platform !== "linux",
}, async () => {
  const live = await readProcessTable(async (pid) =>
    pid === process.pid ? { pid, ppid: process.ppid } : undefined,
  );
  assert.deepEqual(live, [{ pid: process.pid, ppid: process.ppid }]);
});
