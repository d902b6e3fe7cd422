import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
  type ConfigReader,
  FARGATE_TASK_SIZES,
  loadStackConfig,
  STACK_CONFIG_SPEC,
  StackConfigError,
  splitConfigKey,
} from "../src/config.js";
import { createPlanMocks } from "../src/plan/mocks.js";
import { INFRA_DIR, loadStackConfigFromFile, stackFileReader } from "../src/stack-source.js";

/** A reader over a plain map: the minimum valid pipeline stack plus overrides. */
function reader(overrides: Record<string, string | undefined> = {}): ConfigReader {
  const values: Record<string, string | undefined> = {
    environmentSuffix: "t1",
    "aws:region": "eu-central-1",
    cacheEnabled: "true",
    imageTag: "1.0.0",
    ...overrides,
  };
  return (key) => values[key];
}

/** The problems a config produces, as "key: rule" lines. */
function problems(overrides: Record<string, string | undefined>): string[] {
  try {
    loadStackConfig(reader(overrides), "unit");
  } catch (error) {
    assert.ok(error instanceof StackConfigError, `expected StackConfigError, got ${String(error)}`);
    return error.problems.map((p) => `${p.key}: ${p.rule}`);
  }
  return [];
}

function assertProblem(overrides: Record<string, string | undefined>, key: string, rulePart: string) {
  const found = problems(overrides);
  assert.ok(
    found.some((p) => p.startsWith(`${key}: `) && p.includes(rulePart)),
    `expected a problem on ${key} mentioning "${rulePart}", got:\n${found.join("\n")}`,
  );
}

describe("STACK_CONFIG_SPEC", () => {
  it("documents every key with a description and a rule, and every default passes its own rule", () => {
    for (const [property, spec] of Object.entries(STACK_CONFIG_SPEC)) {
      assert.ok(spec.description.length > 10, `${property} has a description`);
      assert.ok(spec.rule.length > 3, `${property} states its rule`);
      if (spec.default !== undefined) assert.doesNotThrow(() => spec.parse(spec.default!), property);
      if (spec.required) assert.equal(spec.default, undefined, `${property}: a required key has no default`);
    }
  });

  it("uses the provider namespace only for aws:region; every other key is a project key", () => {
    const namespaced = Object.values(STACK_CONFIG_SPEC).filter((s) => s.key.includes(":"));
    assert.deepEqual(
      namespaced.map((s) => s.key),
      ["aws:region"],
    );
    assert.deepEqual(splitConfigKey("aws:region"), ["aws", "region"]);
    assert.deepEqual(splitConfigKey("vpcCidr"), ["fastcart-orders", "vpcCidr"]);
  });

  it("lists the Fargate task sizes AWS offers", () => {
    assert.deepEqual(FARGATE_TASK_SIZES[512], [1024, 2048, 3072, 4096]);
    assert.equal(FARGATE_TASK_SIZES[4096]!.at(-1), 30720);
  });
});

describe("loadStackConfig", () => {
  it("applies every default when only the required keys are set", () => {
    const config = loadStackConfig(reader(), "unit");
    assert.equal(config.stackName, "unit");
    assert.equal(config.vpcCidr, "10.0.0.0/16");
    assert.equal(config.azCount, 2);
    assert.equal(config.postgresEngineVersion, "15.15");
    assert.equal(config.kinesisShardCount, 2);
    assert.equal(config.dbBackupRetentionDays, 7);
    assert.equal(config.dbSecretRotationDays, 30);
    assert.equal(config.taskCpu, 512);
    assert.equal(config.taskMemory, 1024);
    assert.equal(config.certificateArn, undefined);
    assert.equal(config.imageRepository, undefined);
    assert.equal(config.dbMultiAz, false);
    assert.equal(config.dbSkipFinalSnapshot, false, "production-safe: a final snapshot");
  });

  it("parses integers, booleans and enums from their stack-file strings", () => {
    const config = loadStackConfig(
      reader({ azCount: "3", dbMultiAz: "true", natGateways: "perAz", taskCpu: "1024", taskMemory: "3072" }),
      "unit",
    );
    assert.equal(config.azCount, 3);
    assert.equal(config.dbMultiAz, true);
    assert.equal(config.natGateways, "perAz");
    assert.equal(config.taskMemory, 3072);
  });

  it("treats an empty optional value as unset", () => {
    assert.equal(loadStackConfig(reader({ certificateArn: "" }), "unit").certificateArn, undefined);
  });

  it("names a missing required key and its rule", () => {
    assertProblem({ environmentSuffix: undefined }, "environmentSuffix", "set (required)");
    assertProblem({ "aws:region": undefined }, "aws:region", "an AWS region name");
  });

  it("rejects bad single values, naming the key and the rule", () => {
    assertProblem({ environmentSuffix: "Dev" }, "environmentSuffix", "lowercase");
    assertProblem({ environmentSuffix: "a-very-long-suffix" }, "environmentSuffix", "1-12");
    assertProblem({ environmentSuffix: "dev-" }, "environmentSuffix", "not starting or ending with a hyphen");
    assertProblem({ "aws:region": "europe" }, "aws:region", "an AWS region name");
    assertProblem({ vpcCidr: "10.0.0.0/8" }, "vpcCidr", "/16 to /24");
    assertProblem({ azCount: "4" }, "azCount", "one of 2, 3");
    assertProblem({ azCount: "two" }, "azCount", "one of 2, 3");
    assertProblem({ natGateways: "none" }, "natGateways", "one of single, perAz");
    assertProblem({ intakeMode: "queue" }, "intakeMode", "one of stream, table");
    assertProblem({ databaseEngine: "mysql" }, "databaseEngine", "one of postgres, aurora-mysql");
    assertProblem({ postgresEngineVersion: "14.9" }, "postgresEngineVersion", "15 or later");
    assertProblem({ auroraInstanceClass: "db.t3.micro" }, "auroraInstanceClass", "db.t3.medium or larger");
    assertProblem(
      { auroraEngineVersion: "5.7.mysql_aurora.2.12.5" },
      "auroraEngineVersion",
      "Aurora MySQL 3",
    );
    assertProblem({ kinesisShardCount: "0" }, "kinesisShardCount", "an integer from 1 to 500");
    assertProblem({ kinesisShardCount: "2.5" }, "kinesisShardCount", "an integer");
    assertProblem({ kinesisRetentionHours: "12" }, "kinesisRetentionHours", "from 24 to 8760");
    assertProblem({ dbBackupRetentionDays: "36" }, "dbBackupRetentionDays", "from 1 to 35");
    assertProblem({ dbMultiAz: "yes" }, "dbMultiAz", "true or false");
    assertProblem({ cacheNodes: "1" }, "cacheNodes", "from 2 to 6");
    assertProblem({ cacheEngineVersion: "6.2" }, "cacheEngineVersion", "Redis 7");
    assertProblem({ taskCpu: "300" }, "taskCpu", "one of 256, 512, 1024, 2048, 4096");
    assertProblem({ wafEvaluationWindowSec: "30" }, "wafEvaluationWindowSec", "one of 60, 120, 300, 600");
    assertProblem({ logRetentionDays: "10" }, "logRetentionDays", "one of 1, 3, 5, 7, 14");
    assertProblem({ logLevel: "verbose" }, "logLevel", "one of fatal");
    assertProblem({ certificateArn: "arn:aws:iam::123:cert" }, "certificateArn", "an ACM certificate ARN");
    assertProblem({ imageRepository: "Not A Repo" }, "imageRepository", "registry/repository");
    assertProblem({ imageTag: "-bad" }, "imageTag", "a Docker tag");
    assertProblem({ imageTag: "latest" }, "imageTag", "other than latest");
    assertProblem({ imageDigest: "sha256:abc" }, "imageDigest", "64 lowercase hex digits");
    assertProblem({ imageDigest: `sha1:${"a".repeat(64)}` }, "imageDigest", "sha256:");
    assertProblem({ dbAppUser: "App-User" }, "dbAppUser", "a lowercase letter then");
    assertProblem({ dbAppUser: "a".repeat(33) }, "dbAppUser", "up to 31");
    assertProblem({ alarmEmail: "ops" }, "alarmEmail", "an email address");
    assertProblem({ cpuTargetPercent: "99" }, "cpuTargetPercent", "from 10 to 95");
  });

  it("reports every bad key at once, in one message that names each", () => {
    const error = (() => {
      try {
        loadStackConfig(reader({ azCount: "9", dbMultiAz: "maybe", "aws:region": undefined }), "my-stack");
      } catch (e) {
        return e as StackConfigError;
      }
      throw new Error("expected failure");
    })();
    assert.equal(error.problems.length, 3);
    assert.match(error.message, /^stack my-stack: invalid configuration/);
    assert.match(error.message, /azCount = "9": must be one of 2, 3/);
    assert.match(error.message, /dbMultiAz = "maybe": must be true or false/);
    assert.match(error.message, /aws:region = \(unset\): must be set \(required\)/);
  });

  it("runs an image by digest: a tag to resolve in ECR, or the digest itself, named when neither is usable", () => {
    assertProblem({ imageTag: undefined }, "imageTag", "or imageDigest set");
    const digest = `sha256:${"d".repeat(64)}`;
    assert.equal(
      loadStackConfig(reader({ imageTag: undefined, imageDigest: digest }), "unit").imageDigest,
      digest,
    );
    assertProblem({ imageRepository: "ghcr.io/fastcart/orders" }, "imageDigest", "not an ECR repository");
    const external = { imageRepository: "ghcr.io/fastcart/orders", imageDigest: digest };
    assert.equal(loadStackConfig(reader(external), "unit").imageRepository, "ghcr.io/fastcart/orders");
    const ecr = "210987654321.dkr.ecr.eu-central-1.amazonaws.com/fastcart";
    assert.equal(loadStackConfig(reader({ imageRepository: ecr }), "unit").imageTag, "1.0.0");
  });

  it("keeps the application database user apart from the master user", () => {
    assert.equal(loadStackConfig(reader(), "unit").dbAppUser, "fastcart_app");
    assertProblem({ dbAppUser: "fastcart_admin" }, "dbAppUser", "other than the master user fastcart_admin");
  });

  it("checks rules that span keys", () => {
    assertProblem({ vpcCidr: "10.0.0.1/16" }, "vpcCidr", "host bits set");
    assertProblem({ taskCpu: "256", taskMemory: "4096" }, "taskMemory", "512, 1024, 2048");
    assertProblem(
      { fargateWeight: "0", fargateSpotWeight: "0" },
      "fargateWeight",
      "at least one capacity provider",
    );
    assertProblem({ minCapacity: "5", maxCapacity: "3" }, "minCapacity", "at most maxCapacity (3)");
    assertProblem({ desiredCount: "9", maxCapacity: "6" }, "desiredCount", "within minCapacity..maxCapacity");
    assertProblem({ desiredCount: "1" }, "desiredCount", "within minCapacity..maxCapacity");
    assertProblem({ containerInsights: "disabled" }, "containerInsights", "RunningTaskCount");
    assertProblem({ wafEnabled: "true" }, "wafEnabled", "unless albEnabled");
    assertProblem({ deploymentStrategy: "blue-green" }, "deploymentStrategy", "unless albEnabled");
    assertProblem(
      {
        certificateArn:
          "arn:aws:acm:eu-central-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      },
      "certificateArn",
      "unset unless albEnabled",
    );
    assertProblem(
      {
        albEnabled: "true",
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      },
      "certificateArn",
      "in the stack's region eu-central-1",
    );
  });

  it("does not check capacity relations when autoscaling is off", () => {
    const config = loadStackConfig(
      reader({ autoscalingEnabled: "false", desiredCount: "1", containerInsights: "disabled" }),
      "unit",
    );
    assert.equal(config.desiredCount, 1);
  });

  it("requires what each output profile exports", () => {
    assertProblem({ intakeMode: "table" }, "intakeMode", "stream for outputProfile pipeline");
    assertProblem({ cacheEnabled: "false" }, "cacheEnabled", "true for outputProfile pipeline");
    assertProblem(
      { databaseEngine: "aurora-mysql" },
      "databaseEngine",
      "postgres for outputProfile pipeline",
    );
    const api = { outputProfile: "api" };
    assertProblem(api, "albEnabled", "true for outputProfile api");
    assertProblem(api, "wafEnabled", "true for outputProfile api");
    assertProblem(api, "deploymentStrategy", "blue-green for outputProfile api");
    assertProblem(api, "databaseEngine", "aurora-mysql for outputProfile api");
  });

  it("reads the Pulumi engine's config when called without arguments", async () => {
    await pulumi.runtime.setMocks(createPlanMocks("us-west-2"), "fastcart-orders", "engine-stack", false);
    pulumi.runtime.setAllConfig({
      "fastcart-orders:environmentSuffix": "eng",
      "aws:region": "us-west-2",
      "fastcart-orders:cacheEnabled": "true",
      "fastcart-orders:kinesisShardCount": "4",
      "fastcart-orders:imageTag": "1.0.0",
    });
    const config = loadStackConfig();
    assert.equal(config.stackName, "engine-stack");
    assert.equal(config.environmentSuffix, "eng");
    assert.equal(config.region, "us-west-2");
    assert.equal(config.kinesisShardCount, 4);
  });
});

describe("stack files", () => {
  it("fastcart-dev is valid and carries seed 000's settings", () => {
    const config = loadStackConfigFromFile("fastcart-dev");
    assert.equal(config.region, "eu-central-1");
    assert.equal(config.environmentSuffix, "dev");
    assert.equal(config.outputProfile, "pipeline");
    assert.equal(config.postgresEngineVersion, "15.15");
    assert.equal(config.cacheEngineVersion, "7.1");
    assert.equal(config.intakeMode, "stream");
  });

  it("orders-api-prod is valid and carries seed 002's settings", () => {
    const config = loadStackConfigFromFile("orders-api-prod");
    assert.equal(config.region, "us-east-1");
    assert.equal(config.azCount, 3);
    assert.equal(config.natGateways, "perAz");
    assert.equal(config.intakeMode, "table");
    assert.equal(config.databaseEngine, "aurora-mysql");
    assert.equal(config.fargateWeight, config.fargateSpotWeight);
  });

  it("every key a stack file sets is a known key (a typo would otherwise fall back to the default)", () => {
    const known = new Set(
      Object.values(STACK_CONFIG_SPEC).map((s) => (s.key.includes(":") ? s.key : `fastcart-orders:${s.key}`)),
    );
    for (const stack of ["fastcart-dev", "orders-api-prod"]) {
      const file = parse(readFileSync(join(INFRA_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      const unknown = Object.keys(file.config).filter((key) => !known.has(key));
      assert.deepEqual(unknown, [], `${stack} sets unknown keys`);
    }
  });

  it("refuses encrypted values offline and reads a file without config as empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "fastcart-stack-"));
    writeFileSync(
      join(dir, "Pulumi.s.yaml"),
      "config:\n  aws:region: eu-west-1\n  fastcart-orders:certificateArn:\n    secure: AAABADEADBEEF\n",
    );
    const read = stackFileReader("s", dir);
    assert.equal(read("aws:region"), "eu-west-1");
    assert.equal(read("dbName"), undefined);
    assert.throws(() => read("certificateArn"), /fastcart-orders:certificateArn is not a plain value/);
    writeFileSync(join(dir, "Pulumi.empty.yaml"), "");
    assert.equal(stackFileReader("empty", dir)("aws:region"), undefined);
  });
});
