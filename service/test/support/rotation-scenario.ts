/**
 * A credential rotation under load, against the real decision path: `migrate` (as the schema owner)
 * creates the application user with the password in a DB_PASSWORD_FILE; the API (table intake) and a
 * worker run as that user; clients post orders without pause. Mid-load the password is rotated the
 * way a rotation does it — ALTER USER, the user's sessions terminated — and the credential source
 * (the file) is updated a moment later, as a staged Secrets Manager rotation would. Measured: orders
 * accepted/decided, failed requests, how soon readiness reported the refusal, and recovery time.
 */
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { ADMIN_SCOPE, mintToken } from "../../src/api/auth.js";
import { type Env, loadConfig } from "../../src/config.js";
import { runMigrations } from "../../src/roles/migrate.js";
import { startApi } from "../../src/roles/serve.js";
import { startWorkers } from "../../src/roles/work.js";
import { closeRuntime, openRuntime } from "../../src/runtime.js";
import { createDatabase } from "../../src/store/database.js";
import type { AnyKysely } from "../../src/store/dialect/index.js";
import { SqlOrderStore } from "../../src/store/order-store.js";
import { quietLogger } from "./worker-harness.js";

const JWT_SECRET = "rotation-test-secret-0123456789abcdef";
const SKU = "ROTATE-1";

export interface RotationEngine {
  /** Connection URL as the schema owner (its database exists and is empty). */
  adminUrl: string;
  appUser: string;
  /** ALTER USER … (the new password) — run as the schema owner. */
  changePassword(admin: AnyKysely, user: string, password: string): Promise<void>;
  /** Ends every session of `user`, as a rotation's finishSecret step / a forced reconnect does. */
  terminateSessions(admin: AnyKysely, user: string): Promise<number>;
}

export interface RotationFigures {
  accepted: number;
  decided: number;
  failed: number;
  failures: string[];
  terminatedSessions: number;
  readinessRefusedAfterMs: number | undefined;
  readinessReason: string | undefined;
  recoveredAfterSecretUpdateMs: number | undefined;
  slowestRequestMs: number;
}

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export async function runRotationUnderLoad(
  engine: RotationEngine,
  passwordFile: string,
  options: { clients?: number; secretUpdateLagMs?: number } = {},
): Promise<RotationFigures> {
  const clients = options.clients ?? 4;
  writeFileSync(passwordFile, "first-password-1\n");
  const env: Env = {
    DATABASE_URL: engine.adminUrl,
    DB_USER: engine.appUser,
    DB_PASSWORD_FILE: passwordFile,
    DB_POOL_MAX: "6",
    INTAKE_MODE: "table",
    AUTH_JWT_SECRET: JWT_SECRET,
    HOST: "127.0.0.1",
    PORT: "0",
  };
  await runMigrations(loadConfig(env, { database: true, auth: false, adminCredentials: true }), quietLogger);
  const config = loadConfig(env);
  const adminDb = createDatabase(config.database!, { identity: "admin" });
  const adminStore = new SqlOrderStore(adminDb);
  await adminStore.putProduct({
    sku: SKU,
    name: "Rotation",
    unitPrice: 100,
    currency: "EUR",
    stock: 10_000_000,
  });

  const runtime = openRuntime(config, quietLogger);
  const api = await startApi(runtime);
  const workers = await startWorkers(runtime, 1);
  const token = await mintToken({
    secret: JWT_SECRET,
    sub: "cust-rotation",
    scopes: [ADMIN_SCOPE],
    ttlSeconds: 600,
  });

  const accepted: string[] = [];
  const failures: string[] = [];
  let slowest = 0;
  let running = true;
  const client = async () => {
    while (running) {
      const started = Date.now();
      try {
        const response = await fetch(`${api.url}/orders`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            customerId: "cust-rotation",
            currency: "EUR",
            items: [{ sku: SKU, quantity: 1 }],
          }),
        });
        const body = (await response.json()) as { orderId?: string; detail?: string };
        if (response.status === 202 && body.orderId) accepted.push(body.orderId);
        else failures.push(`${response.status} ${body.detail ?? ""}`);
      } catch (error) {
        failures.push(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      slowest = Math.max(slowest, Date.now() - started);
    }
  };
  const ready = async () => {
    const response = await fetch(`${api.url}/ready`);
    const body = (await response.json()) as { reasons?: Record<string, string> };
    return { status: response.status, reason: body.reasons?.database };
  };

  const load = Array.from({ length: clients }, client);
  let figures: Omit<RotationFigures, "accepted" | "decided" | "failed" | "failures" | "slowestRequestMs">;
  try {
    await waitUntil("the first orders", async () => (accepted.length >= 50 ? true : undefined), 30_000);
    const rotatedAt = Date.now();
    await engine.changePassword(adminDb, engine.appUser, "second-password-2");
    // The pooled sessions still work; readiness must notice anyway (fresh-connection check).
    const refused = await waitUntil(
      "readiness to report the refused credentials",
      async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      },
      20_000,
    ).catch(() => undefined);
    const readinessRefusedAfterMs = refused ? Date.now() - rotatedAt : undefined;
    const terminatedSessions = await engine.terminateSessions(adminDb, engine.appUser);
    await sleep(options.secretUpdateLagMs ?? 1_500);
    writeFileSync(passwordFile, "second-password-2\n");
    const updatedAt = Date.now();
    await waitUntil(
      "readiness to recover",
      async () => ((await ready()).status === 200 ? true : undefined),
      30_000,
    );
    const recoveredAfterSecretUpdateMs = Date.now() - updatedAt;
    const acceptedAtRecovery = accepted.length;
    await waitUntil(
      "orders accepted after the rotation",
      async () => (accepted.length >= acceptedAtRecovery + 50 ? true : undefined),
      30_000,
    );
    figures = {
      terminatedSessions,
      readinessRefusedAfterMs,
      readinessReason: refused?.reason,
      recoveredAfterSecretUpdateMs,
    };
  } finally {
    running = false;
    await Promise.allSettled(load);
  }

  try {
    const decided = await waitUntil(
      "every accepted order to be decided",
      async () => {
        const n = await decidedCount(adminDb, accepted);
        return n === accepted.length ? n : undefined;
      },
      60_000,
    ).catch(() => decidedCount(adminDb, accepted));
    return {
      accepted: accepted.length,
      decided,
      failed: failures.length,
      failures: failures.slice(0, 5),
      slowestRequestMs: slowest,
      ...figures,
    };
  } finally {
    await api.close();
    await workers.stop();
    await closeRuntime(runtime);
    await adminDb.destroy();
  }
}

async function decidedCount(db: AnyKysely, orderIds: string[]): Promise<number> {
  let decided = 0;
  for (let i = 0; i < orderIds.length; i += 500) {
    const chunk = orderIds.slice(i, i + 500);
    const rows = await db
      .selectFrom("orders")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("order_id", "in", chunk)
      .where("status", "!=", "PENDING")
      .executeTakeFirstOrThrow();
    decided += Number(rows.n);
  }
  return decided;
}
