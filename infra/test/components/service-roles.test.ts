import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  ECS_INFRASTRUCTURE_TRUST_POLICY,
  ECS_LOAD_BALANCER_INFRA_POLICY,
} from "../../src/components/service-infrastructure-role.js";
import { KINESIS_ACTIONS } from "../../src/components/service-roles.js";
import { assertNoWildcardActions, statements } from "../support/assertions.js";
import { MOCK_ACCOUNT_ID } from "../support/mocks.js";
import {
  createServiceFixture,
  jwtSecret,
  keyArn,
  masterSecret,
  redisSecret,
  region,
  repoArn,
  type ServiceFixture,
  streamArn,
} from "./service-fixture.js";

describe("Service IAM roles", () => {
  let f: ServiceFixture;
  before(async () => {
    f = await createServiceFixture();
  });
  const policyOf = (name: string) => {
    const policy = f.harness.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"];
    assertNoWildcardActions(policy);
    return Object.fromEntries(statements(policy).map((s) => [s.Sid, s]));
  };
  const trustOf = (name: string) =>
    statements(f.harness.one("aws:iam/role:Role", name).inputs["assumeRolePolicy"]);

  it("task roles trust ecs-tasks.amazonaws.com from this account only", () => {
    for (const role of ["task-execution-role", "migrate-execution-role", "task-role"]) {
      const [trust] = trustOf(`fastcart-${role}-sv1`);
      assert.deepEqual(trust.Principal, { Service: "ecs-tasks.amazonaws.com" }, role);
      assert.deepEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } }, role);
    }
  });

  it("api/worker execution role: ECR pull, its log group, the JWT (and Redis) secrets, never the master secret", () => {
    const sv1 = policyOf("fastcart-task-execution-role-sv1");
    assert.deepEqual(sv1.EcrAuth.Resource, "*");
    assert.deepEqual(sv1.EcrPull.Resource, [repoArn]);
    assert.deepEqual(sv1.WriteLogs.Resource, [
      `arn:aws:logs:${region}:${MOCK_ACCOUNT_ID}:log-group:/ecs/fastcart-orders-sv1:log-stream:*`,
    ]);
    assert.deepEqual(sv1.ReadInjectedSecrets.Resource, [jwtSecret]);
    assert.deepEqual(sv1.DecryptInjectedSecrets.Resource, [keyArn]);
    assert.equal(
      sv1.DecryptInjectedSecrets.Condition.StringEquals["kms:ViaService"],
      `secretsmanager.${region}.amazonaws.com`,
    );
    assert.deepEqual(sv1.ReadAppConfigParameters.Action, ["ssm:GetParameters"]);
    assert.equal(sv1.ReadAppConfigParameters.Resource.length, 2);
    assert.deepEqual(policyOf("fastcart-task-execution-role-sv2").ReadInjectedSecrets.Resource, [
      jwtSecret,
      redisSecret,
    ]);
    assert.equal(policyOf("fastcart-task-execution-role-sv2").ReadAppConfigParameters, undefined);
    for (const suffix of ["sv1", "sv2", "sv3"]) {
      const document = f.harness.one(
        "aws:iam/rolePolicy:RolePolicy",
        `fastcart-task-execution-role-${suffix}`,
      ).inputs["policy"];
      assert.ok(
        !String(document).includes(masterSecret),
        `${suffix}: the app execution role reads the master secret`,
      );
    }
  });

  it("migrate execution role: the master secret (and the parameters), decrypted via Secrets Manager only", () => {
    const migrate = policyOf("fastcart-migrate-execution-role-sv1");
    assert.deepEqual(migrate.ReadInjectedSecrets.Resource, [masterSecret]);
    assert.equal(
      migrate.DecryptInjectedSecrets.Condition.StringEquals["kms:ViaService"],
      `secretsmanager.${region}.amazonaws.com`,
    );
    assert.deepEqual(migrate.EcrPull.Resource, [repoArn]);
    assert.equal(migrate.ReadAppConfigParameters.Resource.length, 2);
    const wildcards = (Object.values(migrate) as { Sid: string; Resource: string | string[] }[]).filter((s) =>
      ([] as string[]).concat(s.Resource).includes("*"),
    );
    assert.deepEqual(
      wildcards.map((s) => s.Sid),
      ["EcrAuth"],
      "* resources only where AWS requires it",
    );
  });

  it("task role: rds-db:connect as the application user on the database's resource id", () => {
    assert.deepEqual(policyOf("fastcart-task-role-sv1").ConnectAsApplicationUser, {
      Sid: "ConnectAsApplicationUser",
      Effect: "Allow",
      Action: ["rds-db:connect"],
      Resource: [`arn:aws:rds-db:${region}:${MOCK_ACCOUNT_ID}:dbuser:cluster-ABCDEF/fastcart_app`],
    });
    assert.deepEqual(policyOf("fastcart-task-role-sv2").ConnectAsApplicationUser.Resource, [
      `arn:aws:rds-db:${region}:${MOCK_ACCOUNT_ID}:dbuser:db-ABCDEF/app`,
    ]);
  });

  it("task role: the stream's actions on its ARN and the key via Kinesis, only with a stream", () => {
    const sv2 = policyOf("fastcart-task-role-sv2");
    assert.deepEqual(sv2.OrderStream.Action, [...KINESIS_ACTIONS]);
    assert.deepEqual(sv2.OrderStream.Resource, [streamArn]);
    assert.deepEqual(sv2.OrderStreamEncryption.Action, ["kms:GenerateDataKey", "kms:Decrypt"]);
    assert.equal(
      sv2.OrderStreamEncryption.Condition.StringEquals["kms:ViaService"],
      `kinesis.${region}.amazonaws.com`,
    );
    assert.deepEqual(Object.keys(policyOf("fastcart-task-role-sv1")), ["ConnectAsApplicationUser"]);
  });

  it("ECS infrastructure role: AWS's documented trust policy, unchanged, and the managed policy", () => {
    const role = f.harness.one("aws:iam/role:Role", "fastcart-ecs-infra-role-sv1");
    assert.deepEqual(JSON.parse(role.inputs["assumeRolePolicy"]), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowAccessToECSForInfrastructureManagement",
          Effect: "Allow",
          Principal: { Service: "ecs.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
    assert.deepEqual(JSON.parse(role.inputs["assumeRolePolicy"]), ECS_INFRASTRUCTURE_TRUST_POLICY);
    assert.equal(
      f.harness.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "fastcart-ecs-infra-role-sv1")
        .inputs["policyArn"],
      ECS_LOAD_BALANCER_INFRA_POLICY,
    );
  });
});
