/**
 * Where a pool gets the secret for each NEW physical connection. A pool asks its source every time it
 * opens a connection, never once at start-up, so a rotated password (or a fresh IAM token) reaches
 * new connections while the connections already open keep working. When the database refuses what a
 * source returned, the pool calls `invalidate()` and the next `get()` fetches afresh.
 */
import { readFile } from "node:fs/promises";

export interface CredentialSource {
  /** What it is, for logs and readiness reasons (never the secret). */
  readonly kind: "password" | "password-file" | "iam-token";
  /** The database user the secret belongs to. */
  readonly user: string;
  /** The password or token to open one new connection with. */
  get(): Promise<string>;
  /** The database refused the last secret: drop any cached copy. */
  invalidate(): void;
}

/** A password fixed for the life of the process (local use, tests, DB_PASSWORD). */
export class StaticPassword implements CredentialSource {
  readonly kind = "password" as const;
  constructor(
    readonly user: string,
    private readonly password: string,
  ) {}
  async get(): Promise<string> {
    return this.password;
  }
  invalidate(): void {
    // Nothing to re-read: a refused static password stays refused until the process is reconfigured.
  }
}

export interface PasswordFileOptions {
  /** Re-read the file at least this often even without a refusal (default 5 minutes). */
  refreshMs?: number;
  now?: () => number;
}

/**
 * DB_PASSWORD_FILE: a file whose content is the password (a trailing newline is ignored). Whatever
 * rotates the password rewrites the file (a mounted secret, a sidecar); the pool re-reads it when the
 * database refuses the cached copy and on a schedule, so the process never needs a restart.
 */
export class PasswordFile implements CredentialSource {
  readonly kind = "password-file" as const;
  private cached: { value: string; readAt: number } | undefined;
  private reading: Promise<string> | undefined;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(
    readonly user: string,
    readonly path: string,
    options: PasswordFileOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get(): Promise<string> {
    if (this.cached && this.now() - this.cached.readAt < this.refreshMs) {
      return Promise.resolve(this.cached.value);
    }
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<string> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`DB_PASSWORD_FILE: cannot read ${this.path}: ${reason}`, { cause: error });
    }
    const value = text.replace(/\r?\n$/, "");
    if (value === "") throw new Error(`DB_PASSWORD_FILE: ${this.path} is empty`);
    this.cached = { value, readAt: this.now() };
    return value;
  }
}
