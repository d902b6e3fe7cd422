/**
 * A child process whose output goes to a log file (kept for post-mortems, printed on failure), and
 * helpers to wait for it to answer HTTP and to stop it with SIGTERM while timing the shutdown.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** The last `lines` lines of its output. */
  tail(lines?: number): Promise<string>;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
): Child {
  const log: WriteStream = createWriteStream(options.logFile);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      // Let the pipes flush what the process wrote last before closing the log.
      setTimeout(() => log.end(), 50);
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (error) => {
      log.write(`spawn failed: ${error.message}\n`);
      resolve(`spawn error: ${error.message}`);
    });
  });
  return {
    name,
    process: child,
    logFile: options.logFile,
    exited,
    tail: async (lines = 30) => {
      const text = await readFile(options.logFile, "utf8").catch(() => "");
      return text.trimEnd().split("\n").slice(-lines).join("\n");
    },
  };
}

/**
 * Polls `url` until it answers 200, the child exits (an error with its output) or `timeoutMs` passes.
 */
export async function waitForHttp(child: Child, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void child.exited.then((code) => {
    exitedWith = code;
  });
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${child.name} exited (${exitedWith}) before ${url} answered:\n${await child.tail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      lastProblem = `status ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `${child.name}: ${url} did not answer 200 within ${timeoutMs} ms (${lastProblem}); log ${child.logFile}`,
  );
}

/** Sends SIGTERM and returns the milliseconds until exit (SIGKILL after `killAfterMs`) and the exit code. */
export async function stopChild(
  child: Child,
  killAfterMs = 30_000,
): Promise<{ ms: number; code: number | string; killed: boolean }> {
  const started = Date.now();
  if (child.process.exitCode !== null || child.process.signalCode !== null) {
    return { ms: 0, code: child.process.exitCode ?? child.process.signalCode ?? "unknown", killed: false };
  }
  child.process.kill("SIGTERM");
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.process.kill("SIGKILL");
  }, killAfterMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { ms: Date.now() - started, code, killed };
}
