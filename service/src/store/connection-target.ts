/**
 * Where a pool connects and as whom: the URL gives host, port and database; DB_USER/DB_PASSWORD,
 * DB_PASSWORD_FILE or DB_AUTH=iam override the URL's credentials for serve and work, and
 * DB_ADMIN_USER/DB_ADMIN_PASSWORD for migrate. One credential source per pool.
 */
import type { DatabaseConfig } from "../config.js";
import { type CredentialSource, PasswordFile, StaticPassword } from "./credentials.js";
import { IamAuthToken } from "./iam-token.js";

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string | undefined;
  credentials: CredentialSource;
}

export type Identity = "application" | "admin";

export function connectionTarget(
  config: DatabaseConfig,
  options: { url?: string; reader?: boolean; identity?: Identity } = {},
): ConnectionTarget {
  const url = new URL(options.url ?? (options.reader ? config.readerUrl : config.url));
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : config.engine === "postgres" ? 5432 : 3306;
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || undefined;
  const urlUser = decodeURIComponent(url.username);
  const urlPassword = decodeURIComponent(url.password);
  return {
    host,
    port,
    database,
    credentials: credentialSource(config, options.identity, host, port, urlUser, urlPassword),
  };
}

function credentialSource(
  config: DatabaseConfig,
  identity: Identity = "application",
  host: string,
  port: number,
  urlUser: string,
  urlPassword: string,
): CredentialSource {
  if (identity === "admin") {
    if (config.admin) return new StaticPassword(config.admin.user, config.admin.password ?? "");
    return new StaticPassword(urlUser, urlPassword);
  }
  const user = config.user ?? urlUser;
  if (config.auth === "iam") {
    // config.ts guarantees AWS_REGION for the roles that sign tokens.
    return new IamAuthToken({ hostname: host, port, user, region: config.region ?? "" });
  }
  if (config.passwordFile) return new PasswordFile(user, config.passwordFile);
  return new StaticPassword(user, config.password ?? (user === urlUser ? urlPassword : ""));
}
