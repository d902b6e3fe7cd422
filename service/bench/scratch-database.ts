/**
 * A uniquely named database the bench creates on a PostgreSQL (postgres://) or MySQL/MariaDB
 * (mysql://) server and drops afterwards, so a benchmark against a shared server leaves it as it was.
 */
import { randomBytes } from "node:crypto";
import { createConnection } from "mysql2/promise";
import pg from "pg";

export interface ScratchDatabase {
  /** The server's URL with the scratch database as its path. */
  url: string;
  /** Drops the database, closing any connection still open to it on PostgreSQL. */
  drop(): Promise<void>;
}

/** Runs one statement on the server's maintenance database (the one `serverUrl` names). */
async function onServer(serverUrl: string, statement: string): Promise<void> {
  if (serverUrl.startsWith("mysql:")) {
    const connection = await createConnection({ uri: serverUrl });
    await connection.query(statement).finally(() => connection.end());
    return;
  }
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(statement).finally(() => client.end());
}

export async function createScratchDatabase(
  serverUrl: string,
  prefix = "fastcart_bench",
): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const mysql = serverUrl.startsWith("mysql:");
  await onServer(serverUrl, `CREATE DATABASE ${name}${mysql ? " CHARACTER SET utf8mb4" : ""}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name}${mysql ? "" : " WITH (FORCE)"}`),
  };
}
