/**
 * The PolicyPack as Pulumi runs it: started by @pulumi/pulumi's own policy runner (`run-policy-pack`,
 * with its built-in ts-node) in a child process, then asked over gRPC what the CLI asks during a
 * preview — GetAnalyzerInfo and AnalyzeStack with a stack's resources. Nothing here imports pack.ts.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { planStack } from "../../src/plan/plan.js";
import type { PlanResource } from "../../src/plan/types.js";
import { RULES } from "../../src/policies/rules.js";
import { resource, TAGS } from "./fixtures/build.js";

// The gRPC stack of @pulumi/pulumi itself (the instance its generated clients are built with).
const requireHere = createRequire(import.meta.url);
const pulumiDir = dirname(requireHere.resolve("@pulumi/pulumi/package.json"));
const requireFromPulumi = createRequire(join(pulumiDir, "package.json"));
const grpc = requireFromPulumi("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const analyzerPb = requireFromPulumi(
  "./proto/analyzer_pb.js",
) as typeof import("@pulumi/pulumi/proto/analyzer_pb.js");
const analyzerGrpc = requireFromPulumi(
  "./proto/analyzer_grpc_pb.js",
) as typeof import("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const { Struct } = requireFromPulumi(
  "google-protobuf/google/protobuf/struct_pb.js",
) as typeof import("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = requireFromPulumi(
  "google-protobuf/google/protobuf/empty_pb.js",
) as typeof import("google-protobuf/google/protobuf/empty_pb.js");

const PACK_DIR = join(import.meta.dirname, "..", "..", "src", "policies");

type Client = InstanceType<typeof analyzerGrpc.AnalyzerClient>;

function call<Response>(
  invoke: (callback: (error: Error | null, response: Response) => void) => void,
): Promise<Response> {
  return new Promise((resolve, reject) =>
    invoke((error, response) => (error ? reject(error) : resolve(response))),
  );
}

function toAnalyzerResource(planResource: PlanResource): InstanceType<typeof analyzerPb.AnalyzerResource> {
  const message = new analyzerPb.AnalyzerResource();
  message.setType(planResource.type);
  message.setName(planResource.name);
  message.setUrn(planResource.urn);
  message.setProperties(Struct.fromJavaScript(planResource.inputs as Record<string, never>));
  message.setOptions(new analyzerPb.AnalyzerResourceOptions());
  message.setParent(planResource.parent ?? "");
  message.setDependenciesList([...planResource.dependsOn]);
  for (const [property, urns] of Object.entries(planResource.propertyDependencies)) {
    const dependencies = new analyzerPb.AnalyzerPropertyDependencies();
    dependencies.setUrnsList([...urns]);
    message.getPropertydependenciesMap().set(property, dependencies);
  }
  if (planResource.custom && planResource.type.startsWith("aws:")) {
    // As the engine does: every provider-managed resource has a provider, the default one here.
    const provider = new analyzerPb.AnalyzerProviderResource();
    provider.setType("pulumi:providers:aws");
    provider.setName("default_7");
    provider.setUrn(
      `${planResource.urn.split("::").slice(0, 2).join("::")}::pulumi:providers:aws::default_7`,
    );
    provider.setProperties(Struct.fromJavaScript({}));
    message.setProvider(provider);
  }
  return message;
}

async function analyzeStack(client: Client, resources: readonly PlanResource[]) {
  const request = new analyzerPb.AnalyzeStackRequest();
  request.setResourcesList(resources.map(toAnalyzerResource));
  const response = await call<InstanceType<typeof analyzerPb.AnalyzeResponse>>((callback) =>
    client.analyzeStack(request, callback),
  );
  return response.getDiagnosticsList().map((diagnostic) => ({
    policy: diagnostic.getPolicyname(),
    urn: diagnostic.getUrn(),
    message: diagnostic.getMessage(),
    mandatory: diagnostic.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY,
  }));
}

describe("PolicyPack over gRPC, started by Pulumi's policy runner", { timeout: 120_000 }, () => {
  let pack: ChildProcess;
  let client: Client;
  let stderr = "";

  before(async () => {
    pack = spawn(
      process.execPath,
      [join(pulumiDir, "cmd", "run-policy-pack", "index.js"), "127.0.0.1:0", PACK_DIR],
      {
        cwd: join(PACK_DIR, "..", ".."),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    pack.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let stdout = "";
    while (!/^\d+\n/.test(stdout)) {
      const [chunk] = (await Promise.race([
        once(pack.stdout!, "data"),
        once(pack, "exit").then(() => [null]),
      ])) as [Buffer | null];
      assert.ok(chunk, `the policy pack exited before printing its port:\n${stderr}`);
      stdout += chunk.toString();
    }
    client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${stdout.trim()}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    pack?.kill();
  });

  it("announces every rule as a mandatory policy", async () => {
    const info = await call<InstanceType<typeof analyzerPb.AnalyzerInfo>>((callback) =>
      client.getAnalyzerInfo(new Empty(), callback),
    );
    assert.equal(info.getName(), "fastcart-orders");
    const policies = info.getPoliciesList().map((policy) => [policy.getName(), policy.getEnforcementlevel()]);
    assert.deepEqual(
      policies,
      RULES.map((rule) => [rule.name, analyzerPb.EnforcementLevel.MANDATORY]),
    );
  });

  for (const stack of ["fastcart-dev", "orders-api-prod"]) {
    it(`finds no violation in the ${stack} stack`, async () => {
      const plan = await planStack(stack);
      assert.deepEqual(await analyzeStack(client, plan.resources), []);
    });
  }

  it("reports violations as mandatory, on the offending resources", async () => {
    const stack = { stack: "fastcart-dev" };
    const key = resource(
      "aws:kms/key:Key",
      "fastcart-kms-dev",
      { enableKeyRotation: false, tags: { ...TAGS, Stack: "fastcart-dev" } },
      stack,
    );
    const open = resource(
      "aws:ec2/securityGroup:SecurityGroup",
      "fastcart-ssh-sg-dev",
      {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
        tags: { ...TAGS, Stack: "fastcart-dev" },
      },
      stack,
    );
    const diagnostics = await analyzeStack(client, [key, open]);
    assert.deepEqual(
      diagnostics.map(({ policy, urn, mandatory }) => ({ policy, urn, mandatory })),
      [
        { policy: "data-encrypted-with-customer-key", urn: key.urn, mandatory: true },
        { policy: "no-open-ingress", urn: open.urn, mandatory: true },
      ],
    );
    assert.match(diagnostics[1]?.message ?? "", /opens fastcart-ssh-sg-dev to 0\.0\.0\.0\/0 on tcp 22/);
  });
});
