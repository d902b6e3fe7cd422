/** Runs the real program for one stack file under the mocks and resolves its outputs. */
import type { StackConfig } from "../../src/config.js";
import { createProgram } from "../../src/program.js";
import { loadStackConfigFromFile } from "../../src/stack-source.js";
import { installMocks, type MockHarness, resolve } from "./mocks.js";

export interface StackRun {
  readonly config: StackConfig;
  readonly harness: MockHarness;
  readonly outputs: Record<string, unknown>;
}

/** Types that take no tags in AWS (or in the provider): the tag checks skip them. */
export const UNTAGGABLE_TYPES = new Set([
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:kms/alias:Alias",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:secretsmanager/secretRotation:SecretRotation",
  "aws:appautoscaling/policy:Policy",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:wafv2/webAclAssociation:WebAclAssociation",
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
  "aws:route53/record:Record",
  "aws:acm/certificateValidation:CertificateValidation",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "random:index/randomPassword:RandomPassword",
]);

export async function runStack(stack: string): Promise<StackRun> {
  const config = loadStackConfigFromFile(stack);
  const harness = await installMocks(config.region, stack);
  const program = createProgram(config);
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await resolve(value);
  await harness.settle();
  return { config, harness, outputs };
}
