/**
 * The laptop roles (`local`, `load`) live in tools/, outside the production build: the image carries
 * only what serve, work, migrate and token need, and none of their devDependencies (embedded
 * PostgreSQL, kinesalite, autocannon). `fastcart` loads them from the checkout when it runs through
 * tsx (`npm start`); where they are absent (the image, a bare dist/) the role says so instead of
 * crashing.
 */
import type { Env } from "./config.js";

interface DevTools {
  local: { local(env: Env): Promise<void> };
  load: { load(argv: string[]): Promise<number> };
}

/** Entry files, relative to this module (src/ under tsx, dist/ when built). */
const ENTRIES: Record<keyof DevTools, string> = {
  local: "../tools/local/local.ts",
  load: "../tools/load/index.ts",
};

const ABSENT = new Set(["ERR_MODULE_NOT_FOUND", "ERR_UNKNOWN_FILE_EXTENSION"]);

export async function importDevTool<K extends keyof DevTools>(role: K): Promise<DevTools[K]> {
  // A computed specifier: the production build must not compile or follow tools/.
  const url = new URL(ENTRIES[role], import.meta.url).href;
  try {
    return (await import(url)) as DevTools[K];
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (
      typeof code !== "string" ||
      !ABSENT.has(code) ||
      !(error as Error).message.includes(ENTRIES[role].slice(3))
    )
      throw error;
    throw new Error(
      `the ${role} role is a development tool (service/tools/), not part of the image: run it from a checkout after \`npm ci\`, e.g. \`npm start\``,
      { cause: error },
    );
  }
}
