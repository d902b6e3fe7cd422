/**
 * Structured JSON logs (pino) on stdout, where the awslogs driver collects them. Secrets never reach a
 * log line: request authorization/cookie headers and every config field that can hold a credential are
 * redacted by path, and connection URLs are logged through `redactUrl`.
 */
import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger } from "pino";
import type { ServiceConfig } from "../config.js";

export type { Logger } from "pino";

/** Paths pino replaces with "[redacted]" wherever a logged object has them. */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "headers.authorization",
  "headers.cookie",
  "authorization",
  "password",
  "*.password",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "authToken",
  "*.authToken",
  "jwtSecret",
  "*.jwtSecret",
  "auth.jwtSecret",
  "config.auth.jwtSecret",
  "config.redis.authToken",
  "config.redis.url",
  "config.database.url",
  "config.database.readerUrl",
  "database.url",
  "database.readerUrl",
  "redis.url",
  "redis.authToken",
];

/**
 * Coloured, human-readable lines for a person at a terminal (pino-pretty, a dev dependency, so only
 * in a checkout); undefined — plain JSON lines — when stdout is not a TTY (ECS, CI, pipes) or the
 * package is not installed (the image).
 */
export function humanDestination(
  stdout: { isTTY?: boolean } = process.stdout,
): DestinationStream | undefined {
  if (!stdout.isTTY) return undefined;
  try {
    const pretty = createRequire(import.meta.url)("pino-pretty") as (options: object) => DestinationStream;
    return pretty({
      colorize: true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,service,environment",
    });
  } catch {
    return undefined;
  }
}

export function createLogger(
  config: Pick<ServiceConfig, "logLevel" | "environment">,
  destination: DestinationStream | undefined = humanDestination(),
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: "fastcart", environment: config.environment, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"info" rather than 30: readable in CloudWatch Logs Insights without a lookup table.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

/** A URL safe to log: the password (and any token in the query) replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "redacted";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, "redacted");
    }
    return parsed.toString();
  } catch {
    return "[unparseable url]";
  }
}
