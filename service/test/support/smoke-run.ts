/** Running the smoke suite in-process against the test fixture of the API contract. */
import type { SmokeOptions } from "../../src/smoke/args.js";
import type { SmokeReport } from "../../src/smoke/report.js";
import { runSmoke } from "../../src/smoke/smoke.js";
import { type FixtureFaults, startFixtureApi } from "./smoke-fixture-api.js";

export const ADMIN = "fixture-admin-token";
export const CUSTOMER = "fixture-customer-token";
export const SECRET = "smoke-test-secret-that-is-at-least-32-bytes-long";

export function options(url: string, extra: Partial<SmokeOptions> = {}): SmokeOptions {
  return {
    baseUrl: url,
    adminToken: ADMIN,
    timeoutSeconds: 5,
    requestTimeoutSeconds: 5,
    waitReadySeconds: 0,
    json: false,
    ...extra,
  };
}

export async function smoke(
  fixtureFaults: FixtureFaults,
  extra: Partial<SmokeOptions> = {},
): Promise<{ report: SmokeReport; lines: string[] }> {
  const api = await startFixtureApi({
    adminToken: ADMIN,
    customerTokens: { [CUSTOMER]: "fixture-customer" },
    jwtSecret: SECRET,
    faults: fixtureFaults,
  });
  try {
    const lines: string[] = [];
    const report = await runSmoke(options(api.url, extra), { line: (l) => lines.push(l), note: () => {} });
    return { report, lines };
  } finally {
    await api.close();
  }
}
