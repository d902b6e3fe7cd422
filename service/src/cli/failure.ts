/**
 * How a failed command ends: one line on stderr saying what went wrong and what to do next, and an
 * honest exit code. Stack traces are for bugs, not for a taken port or a stopped database, so they are
 * printed only with LOG_LEVEL=debug (or trace).
 */
import { ConfigError } from "../config.js";

export const EXIT_FAILURE = 1;
/** Bad flags or arguments (the shell's convention for usage errors). */
export const EXIT_USAGE = 2;
/** sysexits.h EX_CONFIG: the environment holds an invalid setting. */
export const EXIT_CONFIG = 78;

/** A mistake in the command line: the message names the flag and the rule. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A start-up step that failed, with the next thing to try. */
export class StartupError extends Error {
  override name = "StartupError";
  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  errors?: unknown[];
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "ECONNRESET",
  "EAI_AGAIN",
]);

/** The system error behind `error` (itself, its cause, or the first of an AggregateError's errors). */
function systemErrorOf(error: unknown): SystemError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const candidate = current as SystemError;
    if (candidate.code && /^E[A-Z_]+$/.test(candidate.code)) {
      if (candidate.address || candidate.port || !candidate.errors?.length) return candidate;
    }
    current = candidate.errors?.[0] ?? candidate.cause;
  }
  return undefined;
}

/** Turns a network error into "what failed: what to do", or undefined when it is not one. */
function explainSystemError(error: SystemError): string | undefined {
  const where = error.address ? `${error.address}${error.port ? `:${error.port}` : ""}` : "";
  if (error.code === "EADDRINUSE") {
    return (
      `port ${error.port ?? "?"} is already in use${where ? ` (${where})` : ""}: stop what listens there, ` +
      "or pick another port with PORT=<port> (or --port <port>)"
    );
  }
  if (error.code === "EACCES" && error.syscall === "listen") {
    return `not allowed to listen on ${where || "that port"}: use a port from 1024 up (PORT=<port>)`;
  }
  if (error.code && UNREACHABLE.has(error.code)) {
    return (
      `cannot reach ${where || "a dependency"} (${error.code}): is it running? Check DATABASE_URL / DB_HOST ` +
      "(or KINESIS_ENDPOINT, REDIS_URL)"
    );
  }
  return undefined;
}

export interface FailureReport {
  /** What to print on stderr (one line, or one line per configuration problem). */
  text: string;
  exitCode: number;
}

/** What `fastcart <command>` prints and returns when its action throws. */
export function describeFailure(command: string, error: unknown, debug = false): FailureReport {
  const prefix = `fastcart ${command}`;
  if (error instanceof ConfigError) {
    return {
      text: `${prefix}: ${error.message}\nFix the variables above (the README's configuration table lists every one).`,
      exitCode: EXIT_CONFIG,
    };
  }
  if (error instanceof UsageError) {
    return {
      text: `${prefix}: ${error.message} (see: npx fastcart ${command} --help)`,
      exitCode: EXIT_USAGE,
    };
  }
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  if (error instanceof StartupError) {
    const system = systemErrorOf(error.cause);
    const explained = system && explainSystemError(system);
    const detail = explained ?? `${oneLine(messageOf(error.cause))}; ${error.hint}`;
    return { text: `${prefix}: ${error.message}: ${detail}${stack}`, exitCode: EXIT_FAILURE };
  }
  const system = systemErrorOf(error);
  const explained = system && explainSystemError(system);
  return {
    text: `${prefix}: ${explained ?? oneLine(messageOf(error))}${stack}`,
    exitCode: EXIT_FAILURE,
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
