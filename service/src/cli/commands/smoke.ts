/** `fastcart smoke`: the black-box smoke suite (src/smoke/) against a running system. */
import type { Command } from "commander";
import { parseSmokeArgs, SMOKE_ENV, UsageError as SmokeUsageError } from "../../smoke/args.js";
import { formatJson } from "../../smoke/report.js";
import { runSmoke } from "../../smoke/smoke.js";
import { argvOf, defineCommand } from "../command.js";
import { UsageError } from "../failure.js";

export function smokeCommand(): Command {
  const command = defineCommand({
    name: "smoke",
    summary: "black-box end-to-end checks of a running system (exit 1 when one fails)",
    examples: [
      'npx fastcart smoke --url http://127.0.0.1:3000 --token "$ADMIN_TOKEN" --customer-token "$CUSTOMER_TOKEN"',
      `${SMOKE_ENV.adminToken}=… ${SMOKE_ENV.jwtSecret}=… npx fastcart smoke --url http://<alb-dns-name> --wait-ready 120`,
      "fastcart smoke --url http://<task-address>:3000 --secret-env AUTH_JWT_SECRET   (inside the service's image)",
    ],
    notes: [
      "Tokens and the secret are better given through the environment variables named below, where",
      "ps and CI logs do not see them; a flag wins over its variable. With a customer identity",
      "(--customer-token, or --secret to mint one) every check runs; without, two are skipped.",
      "With a secret and no --token, the suite also mints its own short-lived admin token.",
    ],
  })
    .option("--url <base-url>", "API base URL, e.g. http://127.0.0.1:3000 (required)")
    .option("--token <jwt>", `admin token (scope admin) [env ${SMOKE_ENV.adminToken}]`)
    .option(
      "--customer-token <jwt>",
      `a customer token for the refusal checks [env ${SMOKE_ENV.customerToken}]`,
    )
    .option(
      "--secret <secret>",
      `the API's AUTH_JWT_SECRET: mint customer tokens [env ${SMOKE_ENV.jwtSecret}]`,
    )
    .option(
      "--secret-env <name>",
      "read that secret from the environment variable <name> (e.g. the container's AUTH_JWT_SECRET)",
    )
    .option("--issuer <iss>", "iss claim for minted tokens (when the API sets AUTH_ISSUER)")
    .option("--audience <aud>", "aud claim for minted tokens (when the API sets AUTH_AUDIENCE)")
    .option("--timeout <seconds>", "wait at most this long for final order statuses (default 60)")
    .option("--request-timeout <seconds>", "limit for one HTTP request (default 10)")
    .option("--wait-ready <seconds>", "first wait up to this long for /ready to answer 200 (default 0)")
    .option("--json", "print one JSON document instead of lines");
  return command.action(async () => {
    let parsed: ReturnType<typeof parseSmokeArgs>;
    try {
      parsed = parseSmokeArgs(argvOf(command), process.env);
    } catch (error) {
      throw error instanceof SmokeUsageError ? new UsageError(error.message) : error;
    }
    if (parsed.kind !== "run") return;
    const { options } = parsed;
    const report = await runSmoke(options, {
      line: (text) => process.stdout.write(`${text}\n`),
      note: (text) => process.stderr.write(`${text}\n`),
    });
    if (options.json) process.stdout.write(`${formatJson(report)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  });
}
