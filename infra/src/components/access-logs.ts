import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALB_ACCESS_LOGS_TAG, type Naming, resourceName, resourceTags } from "../naming.js";

/**
 * The account Elastic Load Balancing delivers access logs from, per region that opened before August
 * 2022. Regions opened since then take the `logdelivery.elasticloadbalancing.amazonaws.com` service
 * principal instead. Both from "Enable access logs for your Application Load Balancer", step 2:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
};

/** The principal the bucket policy lets write access logs in `region`. */
export function elbLogDeliveryPrincipal(region: string): { AWS: string } | { Service: string } {
  const account = ELB_LOG_DELIVERY_ACCOUNTS[region];
  return account
    ? { AWS: `arn:aws:iam::${account}:root` }
    : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
}

/** Key prefix the load balancer writes under (`<prefix>/AWSLogs/<account>/elasticloadbalancing/...`). */
export const ACCESS_LOG_PREFIX = "alb";

export interface AccessLogBucketArgs {
  readonly naming: Naming;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Days before a log object expires. */
  readonly expirationDays: number;
}

export interface AccessLogBucket {
  readonly bucket: aws.s3.Bucket;
  /** The load balancer must wait for this: ELB checks its write permission when logging is turned on. */
  readonly policy: aws.s3.BucketPolicy;
  readonly prefix: string;
}

/**
 * The S3 bucket ALB access logs go to. Encryption is SSE-S3 because ALB log delivery supports no other
 * ("The only server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3)", same
 * page; an SSE-KMS bucket fails with Access Denied, aws/aws-cdk#21947). Public access is blocked, ACLs
 * are disabled (bucket owner enforced), objects expire, and the policy refuses every request without
 * TLS before it lets the ELB log-delivery principal put objects under the prefix of this account.
 */
export function accessLogBucket(args: AccessLogBucketArgs, parent: pulumi.Resource): AccessLogBucket {
  const { naming, region, accountId } = args;
  const opts = { parent };
  const name = resourceName(naming, "alb-logs");
  const bucket = new aws.s3.Bucket(
    name,
    {
      // Bucket names are global: the account and region make this one unique to the stack.
      bucket: pulumi.interpolate`fastcart-alb-logs-${accountId}-${region}-${naming.environmentSuffix}`,
      forceDestroy: false,
      tags: resourceTags(naming, name, { [ALB_ACCESS_LOGS_TAG.key]: ALB_ACCESS_LOGS_TAG.value }),
    },
    opts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  new aws.s3.BucketLifecycleConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: { prefix: `${ACCESS_LOG_PREFIX}/` },
          expiration: { days: args.expirationDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    opts,
  );
  const policy = new aws.s3.BucketPolicy(
    name,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyRequestsWithoutTls",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "ElbDeliversAccessLogs",
            Effect: "Allow",
            Principal: elbLogDeliveryPrincipal(region),
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucket.arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${accountId}/*`,
          },
        ],
      }),
    },
    // S3 answers OperationAborted to two configuration changes racing on one bucket: one at a time.
    { parent, dependsOn: [publicAccess] },
  );
  return { bucket, policy, prefix: ACCESS_LOG_PREFIX };
}
