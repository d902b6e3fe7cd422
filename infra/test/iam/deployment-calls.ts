/**
 * What `pulumi up` itself asks of the stack key, made by whoever deploys: AWS services encrypting the
 * stack's resources on the deployer's behalf. ECR, RDS and ElastiCache create KMS grants for their
 * resources (storage, Performance Insights) when they are created (ECR then decrypts image layers on
 * every pull with that grant, so the execution role needs no KMS permission for the image:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html); Secrets Manager
 * generates a data key when the stack writes a secret's value. The deployer is an administrator of the
 * account: only the key policy can refuse these.
 */
import type { Call } from "./allowed-calls.js";
import type { PlanModel } from "./plan-model.js";
import type { NamedPolicy } from "./simulator.js";

export const DEPLOYER_POLICY: NamedPolicy = {
  name: "administrator of the account (stand-in for the deploying principal)",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

export const deployerArn = (account: string) => `arn:aws:iam::${account}:role/fastcart-deployer`;

/** Resource type → the input naming its key, and the service that uses it. */
const GRANTING: readonly { type: string; key: (inputs: Record<string, unknown>) => unknown; via: string }[] =
  [
    {
      type: "aws:ecr/repository:Repository",
      key: (inputs) => (inputs["encryptionConfigurations"] as { kmsKey?: string }[] | undefined)?.[0]?.kmsKey,
      via: "ecr",
    },
    { type: "aws:rds/instance:Instance", key: (inputs) => inputs["kmsKeyId"], via: "rds" },
    { type: "aws:rds/cluster:Cluster", key: (inputs) => inputs["kmsKeyId"], via: "rds" },
    // Performance Insights encrypts its data with the key named per instance.
    {
      type: "aws:rds/clusterInstance:ClusterInstance",
      key: (inputs) => inputs["performanceInsightsKmsKeyId"],
      via: "rds",
    },
    {
      type: "aws:elasticache/replicationGroup:ReplicationGroup",
      key: (inputs) => inputs["kmsKeyId"],
      via: "elasticache",
    },
  ];

export function deploymentCallsOf(model: PlanModel): Call[] {
  const { region, account } = model;
  const principal = deployerArn(account);
  const calls: Call[] = [];
  for (const { type, key: keyOf, via } of GRANTING) {
    for (const resource of model.ofType(type)) {
      const reference = keyOf(resource.inputs);
      if (reference === undefined) continue;
      const key = model.keyPolicy(String(reference));
      calls.push({
        label: `deploying ${resource.name}: kms:CreateGrant through ${via} for the resource's encryption`,
        request: {
          principal,
          action: "kms:CreateGrant",
          resource: key.arn,
          context: {
            "kms:ViaService": `${via}.${region}.amazonaws.com`,
            "kms:CallerAccount": account,
            "kms:GrantIsForAWSResource": "true",
          },
        },
        policies: { identity: [DEPLOYER_POLICY], resource: key.policy },
      });
    }
  }
  for (const secret of model.ofType("aws:secretsmanager/secret:Secret")) {
    const key = model.keyPolicy(String(secret.inputs["kmsKeyId"]));
    calls.push({
      label: `deploying ${secret.name}: kms:GenerateDataKey through Secrets Manager to store its value`,
      request: {
        principal,
        action: "kms:GenerateDataKey",
        resource: key.arn,
        context: {
          "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
          "kms:CallerAccount": account,
          "kms:EncryptionContext:SecretARN": model.arn(secret),
        },
      },
      policies: { identity: [DEPLOYER_POLICY], resource: key.policy },
    });
  }
  return calls;
}
