/**
 * Private database and cache servers started by a test, on a free loopback port (or the one given),
 * with their data in a temporary directory: a PostgreSQL cluster (initdb + pg_ctl, run as the
 * `postgres` OS user because initdb refuses root) with password (scram) authentication and
 * optionally TLS only, and a redis-server with TLS and requirepass.
 *
 * `missingBinaries()` lets a test skip with a clear message outside CI; under CI=true a missing
 * binary is an error (`.ci/run` installs them).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freeLoopbackPort } from "./free-port.js";
import type { ServerCertificate } from "./test-certificates.js";

export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

const BINARIES: Record<string, string[]> = {
  postgres: [join(PG_BIN, "initdb"), join(PG_BIN, "pg_ctl"), "openssl", "runuser"],
  redis: ["redis-server", "openssl"],
  mariadb: ["mariadb-install-db", "mariadbd", "mariadb", "openssl"],
};

function onPath(binary: string): boolean {
  if (binary.startsWith("/")) return existsSync(binary);
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A skip reason naming the missing binaries, or false; throws under CI=true instead of skipping. */
export function missingBinaries(kind: keyof typeof BINARIES): string | false {
  const missing = (BINARIES[kind] ?? []).filter((b) => !onPath(b));
  if (missing.length === 0) return false;
  if (process.env.CI === "true") {
    throw new Error(`${missing.join(", ")} missing under CI=true (.ci/run installs them); refusing to skip`);
  }
  return `needs ${missing.join(", ")} (not installed here)`;
}

export interface PrivatePostgres {
  readonly port: number;
  readonly superuserPassword: string;
  /** Replaces the server certificate and reloads the configuration (no restart). */
  useCertificate(certificate: ServerCertificate): void;
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Default: a free loopback port. */
  port?: number;
  /** TLS with this certificate, and pg_hba accepts only TLS connections. */
  tls?: ServerCertificate;
}

function asPostgres(args: string[]): string {
  return execFileSync("runuser", ["-u", "postgres", "--", ...args], { encoding: "utf8", stdio: "pipe" });
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const port = options.port ?? (await freeLoopbackPort());
  const dir = mkdtempSync(join(tmpdir(), "fastcart-private-pg-"));
  const data = join(dir, "data");
  const superuserPassword = "superuser-secret";
  writeFileSync(join(dir, "pw"), superuserPassword);
  execFileSync("chown", ["-R", "postgres", dir]);
  asPostgres([
    join(PG_BIN, "initdb"),
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=scram-sha-256",
    `--pwfile=${join(dir, "pw")}`,
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const installCertificate = (certificate: ServerCertificate) => {
    copyFileSync(certificate.certFile, join(dir, "server.crt"));
    copyFileSync(certificate.keyFile, join(dir, "server.key"));
    chmodSync(join(dir, "server.key"), 0o600);
    execFileSync("chown", ["postgres", join(dir, "server.crt"), join(dir, "server.key")]);
  };
  const settings = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${dir}'`,
    "fsync = off",
    "max_connections = 60",
  ];
  if (options.tls) {
    installCertificate(options.tls);
    settings.push("ssl = on", `ssl_cert_file = '${dir}/server.crt'`, `ssl_key_file = '${dir}/server.key'`);
  }
  writeFileSync(join(data, "postgresql.auto.conf"), `${settings.join("\n")}\n`);
  writeFileSync(
    join(data, "pg_hba.conf"),
    options.tls
      ? "hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n"
      : "host all all 127.0.0.1/32 scram-sha-256\n",
  );
  execFileSync("chown", ["-R", "postgres", data]);
  asPostgres([join(PG_BIN, "pg_ctl"), "-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  return {
    port,
    superuserPassword,
    useCertificate(certificate) {
      installCertificate(certificate);
      asPostgres([join(PG_BIN, "pg_ctl"), "-D", data, "reload"]);
    },
    async stop() {
      try {
        asPostgres([join(PG_BIN, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface PrivateRedis {
  readonly port: number;
  stop(): Promise<void>;
}

/** redis-server with only a TLS listener (`--port 0`), and requirepass. */
export async function startTlsRedis(options: {
  port?: number;
  certificate: ServerCertificate;
  caFile: string;
  password: string;
}): Promise<PrivateRedis> {
  const port = options.port ?? (await freeLoopbackPort());
  const dir = mkdtempSync(join(tmpdir(), "fastcart-private-redis-"));
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--bind",
      "127.0.0.1",
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cert-file",
      options.certificate.certFile,
      "--tls-key-file",
      options.certificate.keyFile,
      "--tls-ca-cert-file",
      options.caFile,
      "--tls-auth-clients",
      "no",
      "--requirepass",
      options.password,
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 15_000;
  while (!output.includes("Ready to accept connections")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server (TLS) did not start:\n${output}`);
    }
    await sleep(50);
  }
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
