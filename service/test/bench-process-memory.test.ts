/**
 * The soak run's memory reading (bench/process-memory.ts), against real processes: a child that
 * starts a grandchild holding 96 MB of written heap memory. The tree is walked (the grandchild is
 * counted), and anonymous memory is told apart from the file-backed kind.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { treeMemory } from "../bench/process-memory.js";

const MB = 1024 * 1024;

/** The grandchild fills 96 MB (written, so resident) and says so; the child relays it. */
const GRANDCHILD = `const b = Buffer.alloc(96 * 1024 * 1024, 1); process.stdout.write("ready"); setInterval(() => b[0]++, 1000);`;
const CHILD = `
const { spawn } = require("node:child_process");
const g = spawn(process.execPath, ["-e", ${JSON.stringify(GRANDCHILD)}], { stdio: ["ignore", "pipe", "inherit"] });
g.stdout.once("data", () => process.stdout.write("ready"));
process.on("SIGTERM", () => { g.kill(); process.exit(0); });
`;

async function withTree(run: (child: ChildProcess) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ["-e", CHILD], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await once(child.stdout!, "data");
    await run(child);
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}

test("a process tree's anonymous memory includes its descendants", {
  skip: process.platform !== "linux",
}, async () => {
  await withTree(async (child) => {
    const groups = await treeMemory(child.pid!);
    const node = groups.find((g) => g.name === "node");
    assert.ok(node, `a node group: ${JSON.stringify(groups)}`);
    assert.equal(node.processes, 2, "the child and its grandchild");
    assert.ok(
      node.anon >= 96 * MB,
      `anonymous memory ${Math.round(node.anon / MB)} MB holds the 96 MB buffer`,
    );
    // The node binary's mapped code is file-backed, not anonymous.
    assert.ok(node.file > 0, "file-backed memory is reported apart");
  });
});

test("a process that is gone has no memory groups", { skip: process.platform !== "linux" }, async () => {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  assert.deepEqual(await treeMemory(child.pid!), []);
});
