/**
 * The application database user serve and work connect as: created by `migrate` (the schema owner)
 * when absent and granted DML on the service's tables only — no DDL, no migration bookkeeping, no
 * other schema. Run after every migration, so tables added later are granted too; every statement is
 * idempotent. The engine-specific SQL is in the pure `*Statements` functions below (tested as text,
 * which matters where the local engine cannot run it: MariaDB has no AWSAuthenticationPlugin and
 * PostgreSQL outside RDS has no rds_iam role).
 */
import { sql } from "kysely";
import { escape as mysqlEscape, escapeId as mysqlEscapeId } from "mysql2";
import pg from "pg";
import type { DbAuthMode } from "../contract.js";
import { type AnyKysely, dialectOf } from "./dialect/index.js";

export interface AppUserSpec {
  user: string;
  auth: DbAuthMode;
  /** Set when the user is created (DB_AUTH=password); an existing user's password is left alone. */
  password?: string;
}

/** Kysely's own bookkeeping: the application never reads or writes it. */
const MIGRATION_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);

/** DML only: what the API and the workers do, nothing that changes the schema. */
const DML = "SELECT, INSERT, UPDATE, DELETE";

export interface PostgresAppUserInput extends AppUserSpec {
  exists: boolean;
  schema: string;
  tables: string[];
  sequences: string[];
}

export function postgresAppUserStatements(input: PostgresAppUserInput): string[] {
  const role = pg.escapeIdentifier(input.user);
  const statements: string[] = [];
  if (!input.exists) {
    statements.push(
      `CREATE ROLE ${role} LOGIN${input.auth === "password" && input.password ? ` PASSWORD ${pg.escapeLiteral(input.password)}` : ""}`,
    );
  }
  // RDS maps IAM tokens to roles that are members of rds_iam (the role exists only on RDS).
  // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
  if (input.auth === "iam") statements.push(`GRANT rds_iam TO ${role}`);
  statements.push(`GRANT USAGE ON SCHEMA ${pg.escapeIdentifier(input.schema)} TO ${role}`);
  if (input.tables.length > 0) {
    const tables = input.tables.map((t) => `${pg.escapeIdentifier(input.schema)}.${pg.escapeIdentifier(t)}`);
    statements.push(`GRANT ${DML} ON TABLE ${tables.join(", ")} TO ${role}`);
  }
  if (input.sequences.length > 0) {
    const sequences = input.sequences.map(
      (s) => `${pg.escapeIdentifier(input.schema)}.${pg.escapeIdentifier(s)}`,
    );
    statements.push(`GRANT USAGE, SELECT ON SEQUENCE ${sequences.join(", ")} TO ${role}`);
  }
  return statements;
}

export interface MysqlAppUserInput extends AppUserSpec {
  database: string;
  tables: string[];
}

export function mysqlAppUserStatements(input: MysqlAppUserInput): string[] {
  const account = `${mysqlEscape(input.user)}@'%'`;
  const statements: string[] = [];
  if (input.auth === "iam") {
    // Aurora MySQL's IAM plugin; the token is accepted only over TLS, so the account requires it.
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
    statements.push(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'`);
    statements.push(`ALTER USER ${account} REQUIRE SSL`);
  } else {
    statements.push(
      `CREATE USER IF NOT EXISTS ${account}${input.password ? ` IDENTIFIED BY ${mysqlEscape(input.password)}` : ""}`,
    );
  }
  for (const table of input.tables) {
    statements.push(`GRANT ${DML} ON ${mysqlEscapeId(input.database)}.${mysqlEscapeId(table)} TO ${account}`);
  }
  return statements;
}

/** Creates (if absent) and grants the application user; returns the statements it ran. */
export async function ensureAppUser(db: AnyKysely, spec: AppUserSpec): Promise<string[]> {
  const statements =
    dialectOf(db).engine === "postgres"
      ? await postgresStatementsFor(db, spec)
      : await mysqlStatementsFor(db, spec);
  for (const statement of statements) await sql.raw(statement).execute(db);
  return statements;
}

async function postgresStatementsFor(db: AnyKysely, spec: AppUserSpec): Promise<string[]> {
  const { rows: schemaRows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = schemaRows[0]?.schema ?? "public";
  const { rows: roles } = await sql`select 1 from pg_roles where rolname = ${spec.user}`.execute(db);
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = ${schema} and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const { rows: sequences } = await sql<{ name: string }>`
    select sequence_name as name from information_schema.sequences
    where sequence_schema = ${schema} order by sequence_name`.execute(db);
  return postgresAppUserStatements({
    ...spec,
    exists: roles.length > 0,
    schema,
    tables: tables.map((t) => t.name).filter((t) => !MIGRATION_TABLES.has(t)),
    sequences: sequences.map((s) => s.name),
  });
}

async function mysqlStatementsFor(db: AnyKysely, spec: AppUserSpec): Promise<string[]> {
  const { rows: databases } = await sql<{ name: string }>`select database() as name`.execute(db);
  const database = databases[0]?.name;
  if (!database) throw new Error("migrate: the connection has no current database to grant on");
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = ${database} and table_type = 'BASE TABLE' order by table_name`.execute(db);
  return mysqlAppUserStatements({
    ...spec,
    database,
    tables: tables.map((t) => t.name).filter((t) => !MIGRATION_TABLES.has(t)),
  });
}
