/**
 * `npm run chaos [-- --scenario a,b] [--orders N] [--short]`: bounded fault scenarios against the real
 * system on private components (never the shared PostgreSQL or Redis), each verifying 0 orders lost,
 * 0 decided twice and stock exact, and printing its figures. Exit code 0 only when every scenario
 * passed. `--short` (CI): the worker-SIGKILL scenario with one kill and 100 orders over 8 s.
 *
 * Ports: 4600 PostgreSQL, 4601 kinesalite, 4602 Redis, 4610 API, 4620/4621 worker probes
 * (CHAOS_PORT_BASE moves them). CHAOS_LOGS=1 shows the children's stderr.
 */
import { parseArgs } from "node:util";
import { runScenario, SCENARIOS, type ScenarioResult } from "./scenarios.js";
import { KinesisProcess, PrivatePostgres, RedisProcess } from "./stack.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      orders: { type: "string" },
      short: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("usage: npm run chaos -- [--scenario NAME[,NAME…]] [--orders N] [--short]");
    for (const s of SCENARIOS) console.log(`  ${s.name.padEnd(18)} ${s.what}`);
    return 0;
  }
  const names = values.short
    ? ["worker-sigkill"]
    : (values.scenario?.split(",") ?? SCENARIOS.map((s) => s.name));
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(
      `--scenario: unknown ${unknown.join(", ")} (one of ${SCENARIOS.map((s) => s.name).join(", ")})`,
    );
    return 2;
  }
  const orders = Number(values.orders ?? (values.short ? 100 : 400));
  if (!Number.isInteger(orders) || orders < 10 || orders > 100_000) {
    console.error(`--orders: an integer from 10 to 100000 (got ${values.orders})`);
    return 2;
  }
  const base = Number(process.env.CHAOS_PORT_BASE ?? 4600);
  console.log(`chaos: starting private PostgreSQL :${base}, kinesalite :${base + 1}, Redis :${base + 2}`);
  const pg = await PrivatePostgres.start(base);
  const kinesis = await KinesisProcess.start(base + 1);
  const redis = new RedisProcess(base + 2);
  await redis.start();
  const results: ScenarioResult[] = [];
  try {
    for (const name of names) {
      const scenario = SCENARIOS.find((s) => s.name === name)!;
      console.log(`chaos: ${name} — ${orders} orders, fault at 30 %`);
      const result = await runScenario(
        scenario,
        { pg, kinesis, redis, apiPort: base + 10, workerPorts: [base + 20, base + 21] },
        { orders, short: values.short ?? false, log: (line) => console.log(line) },
      );
      results.push(result);
      const v = result.verdict;
      console.log(
        `  ${result.ok ? "PASS" : "FAIL"} ${name}: ${result.fault}; accepted ${v.accepted}, decided ${v.decided} ` +
          `(${v.confirmed} confirmed, ${v.rejected} rejected), lost ${v.lost}, decided twice ${v.decidedTwice}, ` +
          `stock ${v.stockExact ? "exact" : "WRONG"}, client retries ${result.load.retries}, ` +
          `unexpected answers ${result.load.unexpected.length}${result.load.unexpected[0] ? ` (${result.load.unexpected[0]})` : ""}, ` +
          `${result.seconds.toFixed(0)} s`,
      );
    }
  } finally {
    await redis.stop();
    await kinesis.stop();
    await pg.stop();
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`chaos: ${results.length - failed.length}/${results.length} scenarios passed`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("chaos:", error);
    process.exit(1);
  },
);
