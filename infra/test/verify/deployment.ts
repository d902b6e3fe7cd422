/**
 * A "deployed" stack for the verifier tests: the stand-in account built from the offline plan, a real
 * Kinesis API server (kinesalite) holding the planned stream, and the plan's outputs written as the flat
 * outputs file the verifier reads — everything the verifier needs, with no AWS account.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import kinesalite from "kinesalite";
import type { Plan } from "../../src/plan/types.js";
import { verifierPolicyDocument } from "../../src/verifier-policy.js";
import { EXIT, type VerifyOptions, verify } from "../../tools/verify/main.js";
import { relabel, StandInAccount } from "./stand-in/account.js";
import { type StandIn, startStandIn } from "./stand-in/server.js";

// The SDK's notice about future Node versions is noise in test output (the verifier CLI silences it too).
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

export const TEST_CREDENTIALS = { accessKeyId: "AKIASTANDIN", secretAccessKey: "stand-in" };

export interface Deployment {
  readonly account: StandInAccount;
  readonly standIn: StandIn;
  readonly kinesis: KinesisClient;
  readonly outputsFile: string;
  readonly dir: string;
  /** Runs the verifier in-process against this deployment; returns its exit code and printed lines. */
  verify(extra?: Partial<VerifyOptions>): Promise<{ code: number; out: string[]; err: string[] }>;
  stop(): Promise<void>;
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** `liveIds`: plan identifier → the one the "deployed" account uses instead (see {@link StandInAccount}). */
export async function deploy(
  plan: Plan,
  region: string,
  liveIds: Record<string, string> = {},
): Promise<Deployment> {
  const account = new StandInAccount(plan, region, liveIds);
  // kinesalite names its streams' ARNs after AWS_ACCOUNT_ID and AWS_REGION when it starts: the plan's.
  const saved = { account: process.env["AWS_ACCOUNT_ID"], region: process.env["AWS_REGION"] };
  process.env["AWS_ACCOUNT_ID"] = account.accountId;
  process.env["AWS_REGION"] = region;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  restoreEnv("AWS_ACCOUNT_ID", saved.account);
  restoreEnv("AWS_REGION", saved.region);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kinesisEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kinesis = new KinesisClient({
    region,
    endpoint: kinesisEndpoint,
    credentials: TEST_CREDENTIALS,
    // kinesalite speaks HTTP/1.1 only.
    requestHandler: new NodeHttpHandler(),
  });
  for (const stream of account.all("aws:kinesis/stream:Stream")) {
    const name = String(stream.inputs["name"]);
    await kinesis.send(
      new CreateStreamCommand({ StreamName: name, ShardCount: Number(stream.inputs["shardCount"]) }),
    );
    const hours = Number(stream.inputs["retentionPeriod"] ?? 24);
    if (hours > 24)
      await kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: hours }),
      );
  }
  const standIn = await startStandIn(account, kinesisEndpoint);
  const dir = mkdtempSync(join(tmpdir(), "fastcart-verify-"));
  const outputsFile = join(dir, "flat-outputs.json");
  writeFileSync(outputsFile, JSON.stringify(relabel(plan.outputs, liveIds)));

  return {
    account,
    standIn,
    kinesis,
    outputsFile,
    dir,
    async verify(extra = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const options: VerifyOptions = {
        stack: plan.stack,
        outputsFile,
        list: false,
        smoke: { inVpc: false, skip: true, waitReadySec: 0, timeoutSec: 30, pollMs: 10 },
        checkTimeoutMs: 20_000,
        aws: {
          endpoint: standIn.endpoint,
          credentials: TEST_CREDENTIALS,
          maxAttempts: 2,
          callTimeoutMs: 5_000,
        },
        plan,
        cwd: dir,
        programDir: dir,
        usePulumiCli: false,
        ...extra,
      };
      const code = await verify(options, { out: (line) => out.push(line), err: (line) => err.push(line) });
      return { code, out, err };
    },
    async stop() {
      kinesis.destroy();
      await standIn.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { EXIT };

/** IAM service prefixes of the SigV4 signing names the stand-in records. */
const IAM_PREFIX: Readonly<Record<string, string>> = { monitoring: "cloudwatch" };

/**
 * The calls the verifier made that the verifier policy does not grant (by action; sts:GetCallerIdentity
 * needs no permission). Empty when the policy document is complete for what the verifier does.
 */
export function callsOutsideVerifierPolicy(
  calls: readonly string[],
  plan: Plan,
  smokeTask: boolean,
): string[] {
  const suffix = plan.stack === "fastcart-dev" ? "dev" : "prod";
  const document = verifierPolicyDocument({
    naming: { environmentSuffix: suffix, stackName: plan.stack },
    region: "us-east-1",
    accountId: "123456789012",
    smokeTask,
  });
  const granted = new Set(
    document.Statement.flatMap((statement) => statement.Action.map((a) => a.toLowerCase())),
  );
  return [...new Set(calls)]
    .map((call) => {
      const [service = "", operation = ""] = call.split(":");
      return `${IAM_PREFIX[service] ?? service}:${operation}`;
    })
    .filter((action) => action !== "sts:GetCallerIdentity" && !granted.has(action.toLowerCase()));
}
