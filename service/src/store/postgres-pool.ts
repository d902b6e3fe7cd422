/**
 * The PostgreSQL pool (`pg`) behind Kysely, with a credential source asked for every new physical
 * connection (`pg` accepts `password` as an async function) and a connect that rides out a refused
 * password by re-reading it. `checkFreshConnection` opens one connection outside the pool so
 * readiness notices refused credentials while the pooled connections still work.
 */
import type { PostgresPool } from "kysely";
import pg from "pg";
import { connectWithFreshCredentials, probeWithFreshCredentials } from "./auth-failure.js";
import type { ConnectionTarget } from "./connection-target.js";

export interface PostgresPoolSettings {
  max: number;
  ssl: pg.ConnectionConfig["ssl"];
  types: pg.CustomTypesConfig;
  /** How long a refused connection is retried with fresh credentials (default 20 s). */
  credentialRetryMs?: number;
}

export interface ManagedPool<P> {
  readonly pool: P;
  /** Opens, uses and closes one new connection; rejects with the reason when it cannot. */
  checkFreshConnection(): Promise<void>;
}

export function createPostgresPool(
  target: ConnectionTarget,
  settings: PostgresPoolSettings,
): ManagedPool<PostgresPool> {
  const { credentials } = target;
  const connection: pg.ClientConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: credentials.user,
    password: () => credentials.get(),
    ssl: settings.ssl,
    types: settings.types,
    // Fail a request quickly when the database is unreachable instead of queueing it forever.
    connectionTimeoutMillis: 5_000,
    application_name: "fastcart",
  };
  const inner = new pg.Pool({ ...connection, max: settings.max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (failover, restart) emits 'error' on the pool; without a
  // listener that would crash the process. The pool drops the client and the next query reconnects.
  inner.on("error", () => {});
  // A checked-out client has no pool listener: losing its connection mid-query (failover, restart,
  // pg_terminate_backend) emits 'error' on the client, which would crash the process although the
  // query already fails with the same error and the pool discards the client on release.
  inner.on("connect", (client) => client.on("error", () => {}));
  const pool: PostgresPool = {
    connect: () =>
      connectWithFreshCredentials(credentials, () => inner.connect(), {
        windowMs: settings.credentialRetryMs,
      }),
    end: () => inner.end(),
  };
  return {
    pool,
    async checkFreshConnection() {
      const attempt = async () => {
        const client = new pg.Client(connection);
        client.on("error", () => {});
        try {
          await client.connect();
          await client.query("select 1");
        } finally {
          await client.end().catch(() => {});
        }
      };
      await probeWithFreshCredentials(credentials, attempt);
    },
  };
}
