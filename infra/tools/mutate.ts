/**
 * Mutation check: `npm run mutate -w infra [-- --only a,c]`.
 *
 * Copies infra/ to a scratch directory (the working tree is never touched: other work may share it),
 * runs the tests of the table once unmutated (they must pass, or a "kill" would mean nothing), then
 * applies each mutation of `mutations.ts` alone, runs the test files it names and restores the file.
 * Prints progress, then a table: mutation, the test that killed it (or SURVIVED), seconds.
 * Exit 0: every mutation killed; 1: one survived; 2: the table is stale, the baseline fails or bad usage.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MUTATIONS, type Mutation } from "./mutations.js";

const INFRA = resolve(import.meta.dirname, "..");
const ROOT = dirname(INFRA);
/** A wedged test run must not hang the check; a normal run of one mutation takes seconds. */
const RUN_TIMEOUT_MS = 300_000;

const USAGE = `usage: npm run mutate -w infra [-- --only ID[,ID…]]
  --only   run only these mutations (ids: ${MUTATIONS.map((mutation) => mutation.id).join(", ")})`;

interface Failure {
  readonly file: string;
  readonly name: string;
}

interface RunResult {
  readonly failures: Failure[];
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly output: string;
}

function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "fastcart-mutate-"));
  const skipped = /[/\\](node_modules|coverage)$|\.plan\.json$/;
  cpSync(INFRA, join(dir, "infra"), { recursive: true, filter: (path) => !skipped.test(path) });
  for (const file of ["package.json", "tsconfig.base.json"]) cpSync(join(ROOT, file), join(dir, file));
  // The workspace's dependencies (and @fastcart/service, a link to service/) resolve as in the repository.
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function runTests(cwd: string, files: readonly string[]): Promise<RunResult> {
  const started = performance.now();
  const reporter = join(cwd, "tools", "mutation-reporter.mjs");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter", reporter, ...files],
    { cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  return new Promise((done) => {
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      const failures = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Failure);
      const seconds = (performance.now() - started) / 1000;
      done({ failures, exitCode, seconds, output: `${stdout}${stderr}`.slice(-4000) });
    });
  });
}

/** Why the mutation cannot be applied to `text` (its pattern must match exactly once), or undefined. */
function staleness(mutation: Mutation, text: string): string | undefined {
  const matches = text.match(new RegExp(mutation.find.source, `g${mutation.find.flags}`))?.length ?? 0;
  if (matches === 1) return undefined;
  return `mutation ${mutation.id}: its pattern matches ${matches} times in ${mutation.file} (expected once); update tools/mutations.ts`;
}

/** Applies the mutation to the scratch copy; returns the original text to restore. */
function apply(scratch: string, mutation: Mutation): string {
  const path = join(scratch, "infra", mutation.file);
  const original = readFileSync(path, "utf8");
  writeFileSync(path, original.replace(mutation.find, mutation.replace));
  return original;
}

function selected(only: string | undefined): Mutation[] {
  if (only === undefined) return [...MUTATIONS];
  const ids = only.split(",").map((id) => id.trim());
  const unknown = ids.filter((id) => !MUTATIONS.some((mutation) => mutation.id === id));
  if (unknown.length > 0) throw new Error(`unknown mutation id(s): ${unknown.join(", ")}`);
  return MUTATIONS.filter((mutation) => ids.includes(mutation.id));
}

const cell = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/**
 * The failure to name first: from the earliest of the mutation's test files (a suite defined in a
 * shared module, such as test/iam/simulation-suite.ts, counts as the first file of its directory).
 */
function rank(mutation: Mutation, failure: Failure): number {
  const exact = mutation.tests.indexOf(failure.file);
  if (exact >= 0) return exact;
  const sameDirectory = mutation.tests.findIndex((file) => dirname(file) === dirname(failure.file));
  return sameDirectory >= 0 ? sameDirectory : mutation.tests.length;
}

function killedBy(mutation: Mutation, failures: readonly Failure[]): string {
  const [first] = [...failures].sort((a, b) => rank(mutation, a) - rank(mutation, b));
  if (first === undefined) return "a test run that failed without naming a test";
  const more = failures.length > 1 ? ` (+${failures.length - 1} more)` : "";
  return `${first.file} › ${first.name}${more}`;
}

async function main(argv: string[]): Promise<number> {
  let mutations: Mutation[];
  try {
    const { values } = parseArgs({
      args: argv,
      options: { only: { type: "string" }, help: { type: "boolean" } },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    mutations = selected(values.only);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const scratch = scratchCopy();
  const cwd = join(scratch, "infra");
  const started = performance.now();
  try {
    // A stale pattern is reported before minutes of tests, not after them.
    const stale = mutations
      .map((mutation) => staleness(mutation, readFileSync(join(cwd, mutation.file), "utf8")))
      .filter((reason) => reason !== undefined);
    if (stale.length > 0) {
      process.stderr.write(`${stale.join("\n")}\n`);
      return 2;
    }
    const files = [...new Set(mutations.flatMap((mutation) => mutation.tests))];
    process.stdout.write(`baseline: ${files.length} test files on the unmutated copy (${scratch})…\n`);
    const baseline = await runTests(cwd, files);
    if (baseline.exitCode !== 0) {
      const names = baseline.failures.map((failure) => `  ${failure.file} › ${failure.name}`).join("\n");
      process.stderr.write(
        `the tests fail without any mutation; fix them first:\n${names || baseline.output}\n`,
      );
      return 2;
    }
    process.stdout.write(`baseline passes (${baseline.seconds.toFixed(1)} s)\n`);

    const rows: { mutation: Mutation; verdict: string; seconds: number; survived: boolean }[] = [];
    for (const [index, mutation] of mutations.entries()) {
      process.stdout.write(`[${index + 1}/${mutations.length}] ${mutation.id}: ${mutation.description} … `);
      const original = apply(scratch, mutation);
      const result = await runTests(cwd, mutation.tests);
      writeFileSync(join(cwd, mutation.file), original);
      const survived = result.exitCode === 0;
      const verdict = survived ? "SURVIVED" : killedBy(mutation, result.failures);
      process.stdout.write(`${survived ? "SURVIVED" : "killed"} (${result.seconds.toFixed(1)} s)\n`);
      rows.push({ mutation, verdict, seconds: result.seconds, survived });
    }

    process.stdout.write(`\n${cell("mutation", 72)}  ${cell("killed by", 100)}  seconds\n`);
    for (const row of rows) {
      const name = `${row.mutation.id}  ${row.mutation.description}`;
      process.stdout.write(
        `${cell(name, 72)}  ${cell(row.verdict, 100)}  ${row.seconds.toFixed(1).padStart(7)}\n`,
      );
    }
    const survivors = rows.filter((row) => row.survived);
    const total = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `\n${rows.length - survivors.length} of ${rows.length} mutations killed, ${survivors.length} survived (${total} s)\n`,
    );
    return survivors.length === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
