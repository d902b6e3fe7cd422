/**
 * Test launcher: runs the command after `--` with DATABASE_URL pointing at a PostgreSQL server.
 * When DATABASE_URL is already set (CI, a developer's own server) it is used as is; otherwise an
 * embedded PostgreSQL is started for the whole run and removed afterwards, so `npm test` passes on a
 * machine that has nothing but Node. Redis and MySQL are never started here: tests that need them
 * read REDIS_URL / MYSQL_URL and skip, saying so, when those are unset (outside CI).
 */
import { spawn } from "node:child_process";
import { startLocalPostgres } from "../../tools/local/embedded-postgres.js";

const separator = process.argv.indexOf("--");
const command = separator === -1 ? [] : process.argv.slice(separator + 1);
if (command.length === 0) {
  console.error("usage: run-with-services.ts -- <command> [args...]");
  process.exit(2);
}

let stopEmbedded: (() => Promise<void>) | undefined;
const env = { ...process.env };
if (!env.DATABASE_URL) {
  process.stderr.write("test services: DATABASE_URL is not set, starting embedded PostgreSQL… ");
  const started = Date.now();
  const pg = await startLocalPostgres();
  stopEmbedded = pg.stop;
  env.DATABASE_URL = pg.url;
  process.stderr.write(`ready in ${Date.now() - started} ms\n`);
}
for (const [name, hint] of [
  ["REDIS_URL", "redis://127.0.0.1:6379"],
  ["MYSQL_URL", "mysql://root@127.0.0.1:3306/test"],
] as const) {
  if (!env[name])
    process.stderr.write(
      `test services: ${name} is not set; tests that need it will be skipped (e.g. ${name}=${hint})\n`,
    );
}

const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env });
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
const code: number = await new Promise((resolve) => {
  child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
if (stopEmbedded) await stopEmbedded();
process.exit(code);
