/**
 * Runs a TypeScript entry point of this checkout (the benchmark, the infra plan) as a child process
 * with the terminal's stdio, and returns its exit code. Those scripts start their work when loaded,
 * so they run as programs of their own rather than being imported.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";

export function runTypeScript(entry: URL, argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", entry.pathname, ...argv], { stdio: "inherit" });
    // A terminal's Ctrl-C reaches the child through the process group; a SIGTERM sent to us alone
    // (a CI timeout, `kill`) is passed on so the child can stop what it started.
    const forward = () => child.kill("SIGTERM");
    process.on("SIGTERM", forward);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
