/**
 * The closing check: the service's black-box smoke suite (service/src/smoke) against the deployed service.
 *
 * - With an ALB (orders-api-prod): the suite runs here against `albDnsName` (https when the plan has an
 *   HTTPS listener); the tokens come from the suite's own variables (SMOKE_ADMIN_TOKEN, SMOKE_JWT_SECRET;
 *   with the secret alone the suite mints its admin token).
 * - Without a public endpoint (fastcart-dev) and with `--smoke`: a one-off ECS task (RunTask) in the
 *   service's private subnets with its security group and task definition, the `api` container's command
 *   replaced by the image's `fastcart smoke` aimed at a running service task's private address; the
 *   verifier waits for the task to stop (DescribeTasks) and reads the container's exit code. The suite
 *   mints its tokens from the JWT secret the container already receives from Secrets Manager
 *   (`--secret-env`), so no token or secret appears in the RunTask overrides, which DescribeTasks and
 *   CloudTrail record.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, type Task } from "@aws-sdk/client-ecs";
import { CONTAINER_PORT } from "@fastcart/service/contract";
import { describeService, ECS_SERVICE } from "./checks/compute.js";
import { LOAD_BALANCER, plansHttps } from "./checks/edge.js";
import { found } from "./checks/support.js";
import { inputAt, type PlanView, stringInput } from "./plan-view.js";
import type { Check, CheckContext, Findings } from "./types.js";

/** The checkout's `fastcart` command (it runs the TypeScript sources through tsx). */
const FASTCART = fileURLToPath(new URL("../../../service/bin/fastcart.js", import.meta.url));
/** The container the one-off task runs the suite in (the image's `api` container). */
export const SMOKE_CONTAINER = "api";
/** The variable ECS fills from the stack's JWT secret in that container (program.ts serviceSecrets). */
export const SMOKE_TASK_SECRET_ENV = "AUTH_JWT_SECRET";

interface SmokeJson {
  ok: boolean;
  passed: number;
  failed: number;
  checks: { name: string; ok: boolean; detail?: string }[];
}

/** Runs `fastcart smoke` (service/src/smoke) against `url`; the suite's failures become this check's mismatches. */
export function runSmokeSuite(url: string, context: CheckContext, findings: Findings): Promise<void> {
  const { waitReadySec, timeoutSec } = context.smoke;
  const args = [FASTCART, "smoke", "--url", url, "--json"];
  args.push("--wait-ready", String(waitReadySec), "--timeout", String(timeoutSec));
  const limits = { timeout: (timeoutSec + waitReadySec + 30) * 1000, maxBuffer: 8 * 1024 * 1024 };
  return new Promise((resolve) => {
    execFile(process.execPath, args, limits, (error, stdout, stderr) => {
      let report: SmokeJson | undefined;
      try {
        report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as SmokeJson;
      } catch {
        // No report: a usage error (no token) or a crash. The command's own "fastcart smoke: …" line says which.
        const lines = stderr.trim().split("\n");
        const reason = lines.find((line) => line.startsWith("fastcart smoke: ")) ?? lines.at(-1);
        findings.equal(`smoke suite against ${url}`, "a report", reason || (error as Error | null)?.message);
        return resolve();
      }
      // When the service does not answer, every later check says "not run: …": the first failure is the news.
      const failed = report.checks.filter((c) => !c.ok);
      const notRun = failed.filter((c) => c.detail?.startsWith("not run"));
      for (const check of failed.filter((c) => !notRun.includes(c))) {
        findings.equal(`smoke ${check.name}`, "pass", check.detail ?? "fail");
      }
      const summary = `${report.failed} failed${notRun.length > 0 ? ` (${notRun.length} of them not run)` : ""}`;
      findings.that("smoke suite", report.ok, "all passed", summary);
      findings.note(`${report.passed} smoke checks passed against ${url}`);
      resolve();
    });
  });
}

/** The private address of one running task of the service (where the one-off task aims the suite). */
async function serviceTaskAddress(context: CheckContext, cluster: string, service: string): Promise<string> {
  const { aws } = context;
  const { taskArns = [] } = await aws.send(
    aws.ecs,
    new ListTasksCommand({ cluster, serviceName: service, desiredStatus: "RUNNING" }),
  );
  if (taskArns.length === 0) throw new Error(`service ${service} has no running task to smoke-test`);
  const { tasks = [] } = await aws.send(
    aws.ecs,
    new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, 1) }),
  );
  const details = tasks[0]?.attachments?.flatMap((a) => a.details ?? []) ?? [];
  return found(
    details.find((d) => d.name === "privateIPv4Address")?.value,
    `the private address of task ${taskArns[0]}`,
  );
}

async function waitForStop(context: CheckContext, cluster: string, taskArn: string): Promise<Task> {
  const { aws, smoke } = context;
  const deadline = Date.now() + (smoke.timeoutSec + smoke.waitReadySec + 300) * 1000;
  while (Date.now() < deadline) {
    const { tasks = [] } = await aws.send(aws.ecs, new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    if (tasks[0]?.lastStatus === "STOPPED") return tasks[0];
    await new Promise((resolve) => setTimeout(resolve, smoke.pollMs));
  }
  throw new Error(`smoke task ${taskArn} did not stop in time`);
}

async function runSmokeTask(context: CheckContext, findings: Findings): Promise<void> {
  const { plan, aws } = context;
  const { live } = await describeService(context);
  const cluster = found(live.clusterArn, "the service's cluster");
  const address = await serviceTaskAddress(context, cluster, found(live.serviceName, "the service name"));
  const url = `http://${address}:${CONTAINER_PORT}`;
  const command = [
    "smoke",
    "--url",
    url,
    "--secret-env",
    SMOKE_TASK_SECRET_ENV,
    "--wait-ready",
    String(context.smoke.waitReadySec),
    "--timeout",
    String(context.smoke.timeoutSec),
  ];
  const { tasks = [], failures = [] } = await aws.send(
    aws.ecs,
    new RunTaskCommand({
      cluster,
      taskDefinition: live.taskDefinition,
      count: 1,
      startedBy: "fastcart-verify",
      capacityProviderStrategy: live.capacityProviderStrategy,
      networkConfiguration: live.networkConfiguration,
      overrides: { containerOverrides: [{ name: SMOKE_CONTAINER, command }] },
    }),
  );
  const started = tasks[0]?.taskArn;
  if (started === undefined) {
    findings.equal(
      "one-off smoke task",
      "started",
      failures.map((f) => `${f.arn ?? ""} ${f.reason ?? ""}`.trim()).join("; ") || "not started",
    );
    return;
  }
  const stopped = await waitForStop(context, cluster, started);
  const container = stopped.containers?.find((c) => c.name === SMOKE_CONTAINER);
  findings.equal(
    `smoke task exit code (${url})`,
    0,
    container?.exitCode ?? `none: ${stopped.stoppedReason ?? "no reason"}`,
  );
  findings.note(
    `one-off task ${started.split("/").at(-1)} ran the suite against ${url} (service ${stringInput(plan.one(ECS_SERVICE), "name")})`,
  );
}

/** Whether the stack's API is reachable from here (an internet-facing ALB). */
export function hasPublicEndpoint(plan: PlanView): boolean {
  return plan.has(LOAD_BALANCER) && inputAt(plan.one(LOAD_BALANCER), "internal") !== true;
}

export const smokeSuite: Check = {
  id: "smoke",
  title: "the black-box smoke suite passes against the deployed service",
  appliesTo: (plan) => plan.has(ECS_SERVICE),
  // The suite's own bounds, plus what a one-off task needs to be placed, pull its image and stop.
  timeoutMs: ({ smoke }) => (smoke.waitReadySec + smoke.timeoutSec + (smoke.inVpc ? 600 : 60)) * 1000,
  async run(context, findings) {
    const { plan, outputs, smoke } = context;
    if (hasPublicEndpoint(plan)) {
      const scheme = plansHttps(plan) ? "https" : "http";
      return runSmokeSuite(`${scheme}://${outputs.text("albDnsName")}`, context, findings);
    }
    if (!smoke.inVpc)
      throw new Error("the service has no public endpoint: --smoke runs the suite from a one-off ECS task");
    return runSmokeTask(context, findings);
  },
};
