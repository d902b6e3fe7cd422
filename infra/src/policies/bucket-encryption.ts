import { ALB_ACCESS_LOGS_TAG } from "../naming.js";
import type { PlanResource } from "../plan/types.js";
import { asRecord, type ResourceGraph, valueAt } from "./graph.js";

const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const SSE_CONFIGURATION_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/**
 * The one exception to "customer-managed key everywhere": the ALB access-log bucket. ALB log delivery
 * writes only to buckets encrypted with SSE-S3 (Elastic Load Balancing user guide, "Enable access logs
 * for your Application Load Balancer"; an SSE-KMS bucket fails with Access Denied, aws/aws-cdk#21947).
 * It applies to a bucket that carries the ALB access-log tag AND receives the access logs of a load
 * balancer of this stack; any other SSE-S3 bucket is a violation.
 */
export const ALB_ACCESS_LOG_BUCKET_EXCEPTION = {
  name: "alb-access-log-bucket-sse-s3",
  algorithm: "AES256",
  tag: ALB_ACCESS_LOGS_TAG,
} as const;

/** What a bucket's server-side encryption needs checking: the algorithm and where the key is named. */
export interface BucketEncryption {
  /** The resource that names the key (the bucket itself for inline rules). */
  readonly resource: PlanResource;
  readonly algorithm: unknown;
  /** Input of `resource` the key reference came through, and the dotted path to it. */
  readonly keyProperty: string;
  readonly keyPath: string;
}

/** The encryption configurations of a bucket: separate resources that target it, or its inline rule. */
function encryptionOf(graph: ResourceGraph, bucket: PlanResource): BucketEncryption[] {
  const separate = SSE_CONFIGURATION_TYPES.flatMap((type) => graph.consumersOf(bucket, "bucket", type));
  const found = separate.map((configuration) => ({
    resource: configuration,
    algorithm: valueAt(configuration.inputs, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"),
    keyProperty: "rules",
    keyPath: "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
  }));
  const inline = "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault";
  if (valueAt(bucket.inputs, inline) !== undefined) {
    found.push({
      resource: bucket,
      algorithm: valueAt(bucket.inputs, `${inline}.sseAlgorithm`),
      keyProperty: "serverSideEncryptionConfiguration",
      keyPath: `${inline}.kmsMasterKeyId`,
    });
  }
  return found;
}

function isAlbAccessLogBucket(graph: ResourceGraph, bucket: PlanResource): boolean {
  const { tag } = ALB_ACCESS_LOG_BUCKET_EXCEPTION;
  const tagged = asRecord(bucket.inputs["tags"])[tag.key] === tag.value;
  return tagged && graph.consumersOf(bucket, "accessLogs", LOAD_BALANCER).length > 0;
}

/**
 * Checks every S3 bucket: an encryption configuration with SSE-KMS whose key the caller checks
 * (`checkKey`), or SSE-S3 under the named ALB access-log exception. Reports through `report`.
 */
export function checkBuckets(
  graph: ResourceGraph,
  report: (resource: PlanResource, message: string) => void,
  checkKey: (encryption: BucketEncryption) => void,
): void {
  for (const bucket of graph.ofType(...BUCKET_TYPES)) {
    const encryptions = encryptionOf(graph, bucket);
    if (encryptions.length === 0) {
      report(
        bucket,
        "has no server-side encryption configuration, so S3 encrypts with SSE-S3; configure aws:kms with the stack's key",
      );
      continue;
    }
    for (const encryption of encryptions) {
      if (KMS_ALGORITHMS.includes(String(encryption.algorithm))) {
        checkKey(encryption);
      } else if (encryption.algorithm === ALB_ACCESS_LOG_BUCKET_EXCEPTION.algorithm) {
        if (!isAlbAccessLogBucket(graph, bucket)) {
          const { tag } = ALB_ACCESS_LOG_BUCKET_EXCEPTION;
          report(
            encryption.resource,
            `encrypts ${bucket.name} with SSE-S3 (AES256); only the ALB access-log bucket may ` +
              `(exception ${ALB_ACCESS_LOG_BUCKET_EXCEPTION.name}: tagged ${tag.key}=${tag.value} and receiving a load balancer's access logs)`,
          );
        }
      } else {
        report(
          encryption.resource,
          `encrypts ${bucket.name} with ${JSON.stringify(encryption.algorithm) ?? "no algorithm"}; use aws:kms with the stack's key`,
        );
      }
    }
  }
}
