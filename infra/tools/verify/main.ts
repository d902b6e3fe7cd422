/**
 * `npm run verify -- --stack <stack>`: plans the stack offline (the expectations), reads the deployed
 * stack's outputs, then runs every check that applies through the AWS SDK and reports.
 *
 * Exit codes: 0 every check passed; 1 a check failed; 2 usage error; 3 nothing could be verified (no
 * credentials, AWS unreachable, no outputs, the plan failed) — said in one line.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { PLAN_ACCOUNT_ID } from "../../src/plan/mocks.js";
import { planStack } from "../../src/plan/plan.js";
import { readStackSettings } from "../../src/plan/stack-settings.js";
import type { Plan } from "../../src/plan/types.js";
import { AwsClients, type AwsSettings, DEFAULT_AWS_SETTINGS } from "./aws.js";
import { resolveStackKey } from "./checks/encryption.js";
import { checksFor } from "./checks/index.js";
import { blockerOf, describeError } from "./errors.js";
import {
  DEFAULT_OUTPUTS_FILE,
  OutputsError,
  pulumiOnPath,
  readOutputsFile,
  readPulumiOutputs,
  type StackOutputs,
} from "./outputs.js";
import { PlanView, Translator } from "./plan-view.js";
import { formatResult, formatSummary, type VerifyReport } from "./report.js";
import { runChecks } from "./runner.js";
import type { SmokeSettings } from "./types.js";

export interface VerifyOptions {
  readonly stack: string;
  readonly outputsFile?: string;
  readonly jsonReport?: string;
  readonly list: boolean;
  /** Run only these checks (ids as `--list` prints them). */
  readonly only?: readonly string[];
  readonly smoke: SmokeSettings;
  readonly checkTimeoutMs: number;
  /** Overrides of the AWS client settings (tests: the stand-in's endpoint and static credentials). */
  readonly aws?: Partial<AwsSettings>;
  /** A plan computed already (tests reuse one plan for many runs). */
  readonly plan?: Plan;
  /** Directory relative paths are resolved against (npm's INIT_CWD: where the user ran the command). */
  readonly cwd: string;
  /** The Pulumi program's directory (where `pulumi stack output` runs). */
  readonly programDir: string;
  /** Whether the Pulumi CLI may be asked for the outputs (false: only the outputs file). */
  readonly usePulumiCli: boolean;
}

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, blocked: 3 } as const;

async function loadOutputs(options: VerifyOptions): Promise<StackOutputs> {
  if (options.outputsFile !== undefined) return readOutputsFile(resolve(options.cwd, options.outputsFile));
  if (options.usePulumiCli && pulumiOnPath()) return readPulumiOutputs(options.stack, options.programDir);
  return readOutputsFile(resolve(options.cwd, DEFAULT_OUTPUTS_FILE));
}

/** Plan identifiers → live ones: the account, every output, the stack's key. */
async function translator(view: PlanView, outputs: StackOutputs, aws: AwsClients, account: string) {
  const translate = new Translator();
  for (const [key, planValue] of Object.entries(view.plan.outputs)) {
    const live = outputs.values[key];
    translate.add(planValue, Array.isArray(planValue) && outputs.has(key) ? outputs.list(key) : live);
  }
  try {
    // The live key (found by its alias) wins over the outputs: kms-key compares those separately.
    const { planKeyId, live } = await resolveStackKey(view, aws);
    translate.add(planKeyId, live.KeyId);
    const region = live.Arn?.split(":")[3];
    translate.add(`arn:aws:kms:${region}:${PLAN_ACCOUNT_ID}:key/${planKeyId}`, live.Arn);
  } catch {
    // The kms-key check reports a missing or unreadable key; here it only means nothing to translate.
  }
  translate.add(PLAN_ACCOUNT_ID, account);
  return translate;
}

export async function verify(options: VerifyOptions, io: VerifyIo): Promise<number> {
  let plan: Plan;
  try {
    if (options.plan === undefined) io.err(`planning ${options.stack} (offline) for the expectations…`);
    plan = options.plan ?? (await planStack(options.stack));
  } catch (error) {
    io.err(`verify: the offline plan of ${options.stack} failed: ${describeError(error)}`);
    return EXIT.blocked;
  }
  const view = new PlanView(plan);
  const applicable = checksFor(view, { smokeInVpc: options.smoke.inVpc, skipSmoke: options.smoke.skip });
  const unknown = (options.only ?? []).filter((id) => !applicable.some((check) => check.id === id));
  if (unknown.length > 0) {
    io.err(
      `verify: --only ${unknown.join(", ")}: not a check of ${options.stack} (its checks: ${applicable.map((c) => c.id).join(", ")})`,
    );
    return EXIT.usage;
  }
  const checks = options.only ? applicable.filter((check) => options.only?.includes(check.id)) : applicable;
  if (options.list) {
    for (const check of checks) io.out(`${check.id.padEnd(22)} ${check.title}`);
    return EXIT.ok;
  }

  let outputs: StackOutputs;
  try {
    outputs = await loadOutputs(options);
  } catch (error) {
    io.err(
      `verify: no outputs for ${options.stack}: ${error instanceof OutputsError ? error.message : describeError(error)}`,
    );
    return EXIT.blocked;
  }
  const region = readStackSettings(options.stack).config["aws:region"] ?? "";
  const aws = new AwsClients({ ...DEFAULT_AWS_SETTINGS, region, ...options.aws });
  try {
    let account: string;
    try {
      const identity = await aws.send(aws.sts, new GetCallerIdentityCommand({}));
      account = identity.Account ?? "";
    } catch (error) {
      const blocker = blockerOf(error);
      const what =
        blocker === "credentials"
          ? "no AWS credentials (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or assume a role)"
          : blocker === "unreachable"
            ? `AWS (${region}) is unreachable`
            : "AWS refused the first call (sts:GetCallerIdentity)";
      io.err(`verify: ${what}: ${describeError(error)}`);
      return EXIT.blocked;
    }
    io.err(
      `verifying ${options.stack} in ${region} (account ${account}), outputs from ${outputs.source}: ${checks.length} checks`,
    );
    const translate = await translator(view, outputs, aws, account);
    const report = await runChecks(
      checks,
      { stack: options.stack, region, plan: view, outputs, aws, translate, smoke: options.smoke },
      {
        checkTimeoutMs: options.checkTimeoutMs,
        onResult: (result, i, n) => io.out(formatResult(result, i, n)),
      },
    );
    io.out(formatSummary(report));
    if (options.jsonReport !== undefined) writeReport(resolve(options.cwd, options.jsonReport), report, io);
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    aws.destroy();
  }
}

function writeReport(file: string, report: VerifyReport, io: VerifyIo): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  io.err(`wrote ${file}`);
}
