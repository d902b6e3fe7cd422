/**
 * A private MariaDB for the TLS test: `mariadb-install-db` into a temporary directory, `mariadbd` on a
 * free loopback port (or the one given) with a server certificate and `require_secure_transport`, so
 * plaintext connections are refused. One TCP user is created through the server's own socket.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freeLoopbackPort } from "./free-port.js";
import type { ServerCertificate } from "./test-certificates.js";

export interface PrivateMariadb {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Replaces the server certificate and reloads it (FLUSH SSL, no restart). */
  useCertificate(certificate: ServerCertificate): void;
  stop(): Promise<void>;
}

export async function startTlsMariadb(options: {
  port?: number;
  certificate: ServerCertificate;
}): Promise<PrivateMariadb> {
  const port = options.port ?? (await freeLoopbackPort());
  const dir = mkdtempSync(join(tmpdir(), "fastcart-private-mariadb-"));
  const data = join(dir, "data");
  const socket = join(dir, "mysqld.sock");
  const installCertificate = (certificate: ServerCertificate) => {
    copyFileSync(certificate.certFile, join(dir, "server.crt"));
    copyFileSync(certificate.keyFile, join(dir, "server.key"));
    chmodSync(join(dir, "server.key"), 0o600);
    execFileSync("chown", ["mysql", join(dir, "server.crt"), join(dir, "server.key")]);
  };
  execFileSync("chown", ["mysql", dir]);
  installCertificate(options.certificate);
  execFileSync(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${data}`,
      "--user=mysql",
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ],
    { stdio: "pipe" },
  );
  const child: ChildProcess = spawn(
    "mariadbd",
    [
      "--no-defaults",
      `--datadir=${data}`,
      "--user=mysql",
      `--socket=${socket}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      `--ssl-cert=${join(dir, "server.crt")}`,
      `--ssl-key=${join(dir, "server.key")}`,
      "--require-secure-transport=ON",
      "--skip-log-bin",
      "--innodb-buffer-pool-size=16M",
      `--pid-file=${join(dir, "pid")}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const sqlAsRoot = (statement: string) =>
    execFileSync("mariadb", ["--no-defaults", `--socket=${socket}`, "-u", "root", "-e", statement], {
      stdio: "pipe",
    });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      sqlAsRoot("select 1");
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`mariadbd (TLS) did not start:\n${output}`);
      }
      await sleep(200);
    }
  }
  const user = "fastcart_tls";
  const password = "tls-test-password";
  sqlAsRoot(
    `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; CREATE DATABASE fastcart; GRANT ALL ON fastcart.* TO '${user}'@'%'`,
  );
  return {
    port,
    user,
    password,
    useCertificate(certificate) {
      installCertificate(certificate);
      sqlAsRoot("FLUSH SSL");
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
