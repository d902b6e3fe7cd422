/**
 * The MySQL/MariaDB pool (`mysql2`) behind Kysely, with fresh credentials for every new physical
 * connection. mysql2 reads `password` from its pool config synchronously at each handshake, so:
 * - DB_AUTH=iam: one pool, and the token is sent through a `mysql_clear_password` auth plugin
 *   (`authPlugins`), which mysql2 calls per connection and may answer asynchronously; RDS's
 *   AWSAuthenticationPlugin asks the client for exactly that plugin, and it is only used over TLS.
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.html
 * - passwords: a pool per password. When the source yields a different password (re-read after a
 *   refusal, or on its schedule), new connections come from a fresh pool built with it; the previous
 *   pool serves no new requests and is closed once its borrowed connections have had time to return.
 */
import { MysqlDialect, type MysqlPool, type MysqlPoolConnection } from "kysely";
import {
  type Connection,
  createConnection,
  createPool,
  type Pool,
  type PoolConnection,
  type PoolOptions,
} from "mysql2";
import type { DatabaseConfig } from "../../config.js";
import { connectWithFreshCredentials, probeWithFreshCredentials } from "../auth-failure.js";
import { type ConnectionTarget, connectionTarget } from "../connection-target.js";
import type { ManagedPool } from "./postgres-pool.js";
import { MYSQL_TLS_OPTIONS } from "./tls.js";

export interface MysqlPoolSettings {
  connectionLimit: number;
  ssl: PoolOptions["ssl"];
  /** IAM tokens go through the clear-password plugin instead of the native password handshake. */
  iam: boolean;
  credentialRetryMs?: number;
  /** How long a replaced pool stays open for the connections still borrowed from it (default 60 s). */
  retiredPoolGraceMs?: number;
}

export function createMysqlPool(
  target: ConnectionTarget,
  settings: MysqlPoolSettings,
): ManagedPool<MysqlPool> {
  const { credentials } = target;
  const base: PoolOptions = {
    host: target.host,
    port: target.port,
    user: credentials.user,
    database: target.database,
    ssl: settings.ssl,
    connectTimeout: 5_000,
    // Store and read DATETIME(3) as UTC, whatever the server's time zone.
    timezone: "Z",
    // BIGINT → number when it fits (it always does here), string otherwise (never silently rounded).
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    ...(settings.iam
      ? {
          authPlugins: {
            mysql_clear_password: () => async () => Buffer.from(`${await credentials.get()}\0`),
          },
        }
      : {}),
  };
  const pools = new PasswordPools(base, settings);

  const pool: MysqlPool = {
    getConnection(callback) {
      connectWithFreshCredentials(
        credentials,
        async () => {
          const current = await pools.forPassword(settings.iam ? "" : await credentials.get());
          return await new Promise<PoolConnection>((resolve, reject) =>
            current.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
          );
        },
        { windowMs: settings.credentialRetryMs },
      ).then(
        (connection) => callback(null, connection as unknown as MysqlPoolConnection),
        (error) => callback(error, undefined as unknown as MysqlPoolConnection),
      );
    },
    end(callback) {
      pools.endAll().then(
        () => callback(null),
        (error) => callback(error),
      );
    },
  };

  return {
    pool,
    async checkFreshConnection() {
      await probeWithFreshCredentials(credentials, async () => {
        const password = settings.iam ? undefined : await credentials.get();
        const connection: Connection = createConnection({ ...base, password });
        connection.on("error", () => {});
        try {
          await new Promise<void>((resolve, reject) =>
            connection.connect((e) => (e ? reject(e) : resolve())),
          );
          await new Promise<void>((resolve, reject) => connection.ping((e) => (e ? reject(e) : resolve())));
        } finally {
          connection.destroy();
        }
      });
    },
  };
}

/** The pool for the current password, and the replaced ones until their grace period ends. */
class PasswordPools {
  private current: { password: string; pool: Pool } | undefined;
  private readonly retired = new Set<Pool>();

  constructor(
    private readonly base: PoolOptions,
    private readonly settings: MysqlPoolSettings,
  ) {}

  async forPassword(password: string): Promise<Pool> {
    if (this.current && this.current.password === password) return this.current.pool;
    if (this.current) this.retire(this.current.pool);
    const pool = createPool({
      ...this.base,
      ...(this.settings.iam ? {} : { password }),
      connectionLimit: this.settings.connectionLimit,
    });
    this.current = { password, pool };
    return pool;
  }

  private retire(pool: Pool): void {
    this.retired.add(pool);
    const timer = setTimeout(() => {
      this.retired.delete(pool);
      pool.end(() => {});
    }, this.settings.retiredPoolGraceMs ?? 60_000);
    timer.unref();
  }

  async endAll(): Promise<void> {
    const pools = [...this.retired, ...(this.current ? [this.current.pool] : [])];
    this.retired.clear();
    this.current = undefined;
    await Promise.all(pools.map((p) => new Promise<void>((resolve) => p.end(() => resolve()))));
  }
}

/** The managed pool for `config` at `url`, as the application user (or `identity`). */
export function managedMysqlPool(config: DatabaseConfig, url: string, identity?: "application" | "admin") {
  const target = connectionTarget(config, { url, identity });
  const managed = createMysqlPool(target, {
    connectionLimit: config.poolMax,
    ssl: config.tls ? MYSQL_TLS_OPTIONS : undefined,
    iam: target.credentials.kind === "iam-token",
  });
  return {
    dialect: new MysqlDialect({ pool: managed.pool }),
    checkFreshConnection: managed.checkFreshConnection,
  };
}

/** A Kysely dialect over a new pool to `url` (the dialect's `pool`). */
export function mysqlPool(config: DatabaseConfig, url: string): MysqlDialect {
  return managedMysqlPool(config, url).dialect;
}
