/**
 * Child process of the TLS tests: connects with the service's REAL connection code (config.ts →
 * the store's pool, the status-cache factory) configured from its environment exactly as a task
 * definition configures it, and prints one JSON line: {"database": "ok" | reason, "cache": ...}.
 * A separate process because NODE_EXTRA_CA_CERTS, the image's way of trusting the RDS CA, is read
 * only when Node starts.
 */
import { createStatusCache } from "../../src/cache/factory.js";
import { loadConfig, readProcessEnv } from "../../src/config.js";
import { createOrderStore } from "../../src/store/order-store.js";

async function checkDatabase(): Promise<string | undefined> {
  const config = loadConfig(readProcessEnv(), { database: true, auth: false });
  if (!process.env.DB_HOST || !config.database) return undefined;
  const store = createOrderStore(config.database);
  try {
    await store.checkReady();
    return "ok";
  } catch (error) {
    return describe(error);
  } finally {
    await store.close();
  }
}

async function checkCache(): Promise<string | undefined> {
  const config = loadConfig(readProcessEnv(), { database: false, auth: false });
  if (!config.redis) return undefined;
  let lastError: string | undefined;
  const cache = createStatusCache(config.redis, {
    logger: {
      warn: (fields: { err?: unknown }) => {
        lastError = describe(fields.err);
      },
    },
    connectTimeoutMs: 3_000,
  });
  try {
    // The cache connects lazily and in the background: give it a few attempts.
    for (let attempt = 0; attempt < 15; attempt++) {
      try {
        await cache.checkReady();
        return "ok";
      } catch (error) {
        lastError ??= describe(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    return lastError ?? "not ready";
  } finally {
    await cache.close();
  }
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(
      `${e instanceof Error ? e.message : String(e)}${typeof code === "string" ? ` [${code}]` : ""}`,
    );
  }
  return parts.join(" <- ");
}

const [database, cache] = await Promise.all([checkDatabase(), checkCache()]);
process.stdout.write(`${JSON.stringify({ database, cache })}\n`);
