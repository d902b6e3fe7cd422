import type { PlanResource } from "../plan/types.js";
import { checkBuckets } from "./bucket-encryption.js";
import { type ResourceGraph, type Rule, ViolationList, valueAt } from "./graph.js";

const KMS_KEY = "aws:kms/key:Key";
const KMS_ALIAS = "aws:kms/alias:Alias";

/** A setting that must have one value for the data to be encrypted at all. */
interface RequiredSetting {
  readonly path: string;
  readonly value: string | boolean;
}

/** A KMS key reference that must point at the stack's customer-managed key. */
interface KeyReference {
  /** Where the key goes (dotted path into the inputs). */
  readonly path: string;
  /** Top-level input whose dependencies say which resource the key came from. */
  readonly property: string;
  /** Only checked when this holds (e.g. Performance Insights on, SecureString parameters). */
  readonly when?: (inputs: Readonly<Record<string, unknown>>) => boolean;
}

interface DataStore {
  readonly type: string;
  readonly required: readonly RequiredSetting[];
  readonly keys: readonly KeyReference[];
}

const key = (path: string, when?: KeyReference["when"]): KeyReference => ({
  path,
  property: path.split(".")[0] as string,
  when,
});
const performanceInsights = key(
  "performanceInsightsKmsKeyId",
  (i) => i["performanceInsightsEnabled"] === true,
);
/** With `manageMasterUserPassword`, RDS keeps the credentials in a Secrets Manager secret of its own. */
const managedMasterSecret = key("masterUserSecretKmsKeyId", (i) => i["manageMasterUserPassword"] === true);

/** Every resource type that keeps data at rest, and how it names its key. */
export const DATA_STORES: readonly DataStore[] = [
  {
    type: "aws:rds/instance:Instance",
    required: [{ path: "storageEncrypted", value: true }],
    keys: [key("kmsKeyId"), managedMasterSecret, performanceInsights],
  },
  {
    type: "aws:rds/cluster:Cluster",
    required: [{ path: "storageEncrypted", value: true }],
    keys: [key("kmsKeyId"), managedMasterSecret, performanceInsights],
  },
  { type: "aws:rds/clusterInstance:ClusterInstance", required: [], keys: [performanceInsights] },
  {
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    required: [
      { path: "atRestEncryptionEnabled", value: true },
      { path: "transitEncryptionEnabled", value: true },
    ],
    keys: [key("kmsKeyId")],
  },
  {
    type: "aws:kinesis/stream:Stream",
    required: [{ path: "encryptionType", value: "KMS" }],
    keys: [key("kmsKeyId")],
  },
  { type: "aws:secretsmanager/secret:Secret", required: [], keys: [key("kmsKeyId")] },
  {
    type: "aws:ecr/repository:Repository",
    required: [{ path: "encryptionConfigurations.0.encryptionType", value: "KMS" }],
    keys: [key("encryptionConfigurations.0.kmsKey")],
  },
  { type: "aws:cloudwatch/logGroup:LogGroup", required: [], keys: [key("kmsKeyId")] },
  {
    type: "aws:ssm/parameter:Parameter",
    required: [],
    keys: [key("keyId", (i) => i["type"] === "SecureString")],
  },
  { type: "aws:sns/topic:Topic", required: [], keys: [key("kmsMasterKeyId")] },
  {
    type: "aws:dynamodb/table:Table",
    required: [{ path: "serverSideEncryption.enabled", value: true }],
    keys: [key("serverSideEncryption.kmsKeyArn")],
  },
];

const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\//;

/** Why `reference` of `resource` is not the stack's customer-managed key, or undefined when it is. */
function keyProblem(
  graph: ResourceGraph,
  resource: PlanResource,
  reference: KeyReference,
): string | undefined {
  const value = valueAt(resource.inputs, reference.path);
  if (value === undefined || value === null || value === "") {
    return `sets no ${reference.path}, so AWS encrypts with its AWS-managed key`;
  }
  if (typeof value === "string" && AWS_MANAGED_ALIAS.test(value)) {
    return `${reference.path} is the AWS-managed key ${value}`;
  }
  const keys = graph.sourcesOf(resource, reference.property, KMS_KEY);
  const aliases = graph
    .sourcesOf(resource, reference.property, KMS_ALIAS)
    .filter((alias) => graph.sourcesOf(alias, "targetKeyId", KMS_KEY).length > 0);
  if (keys.length + aliases.length === 0) {
    return `${reference.path} (${String(value)}) does not come from a customer-managed aws.kms.Key of this stack`;
  }
  return undefined;
}

export const encryptedWithCustomerKey: Rule = {
  name: "data-encrypted-with-customer-key",
  description:
    "Every data store (RDS, Aurora, ElastiCache, Kinesis, Secrets Manager, ECR, CloudWatch Logs, SecureString parameters, SNS, S3) " +
    "is encrypted with the stack's customer-managed KMS key, which rotates; never an AWS-managed key. One named exception: " +
    "the ALB access-log bucket uses SSE-S3, the only encryption ALB log delivery supports.",
  check(graph) {
    const found = new ViolationList("data-encrypted-with-customer-key");
    const report = found.report.bind(found);
    for (const store of DATA_STORES) {
      for (const resource of graph.ofType(store.type)) {
        for (const setting of store.required) {
          const actual = valueAt(resource.inputs, setting.path);
          if (actual !== setting.value) {
            report(
              resource,
              `must set ${setting.path} = ${JSON.stringify(setting.value)} (it is ${JSON.stringify(actual) ?? "unset"})`,
            );
          }
        }
        for (const reference of store.keys) {
          if (reference.when !== undefined && !reference.when(resource.inputs)) continue;
          const problem = keyProblem(graph, resource, reference);
          if (problem !== undefined) report(resource, problem);
        }
      }
    }
    checkBuckets(graph, report, (encryption) => {
      const problem = keyProblem(graph, encryption.resource, {
        path: encryption.keyPath,
        property: encryption.keyProperty,
      });
      if (problem !== undefined) report(encryption.resource, problem);
    });
    for (const kmsKey of graph.ofType(KMS_KEY)) {
      if (kmsKey.inputs["enableKeyRotation"] !== true) report(kmsKey, "must set enableKeyRotation = true");
    }
    return found.violations;
  },
};
