import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

/** Shard-level metrics published to CloudWatch (enhanced monitoring). */
export const SHARD_LEVEL_METRICS = [
  "IncomingBytes",
  "IncomingRecords",
  "OutgoingBytes",
  "OutgoingRecords",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
  "IteratorAgeMilliseconds",
] as const;

export interface StreamArgs {
  readonly naming: Naming;
  /** Customer-managed key that encrypts records at rest. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Provisioned shards (stack config `kinesisShardCount`; 1,000 records/s of writes each). */
  readonly shardCount: number;
  /** Retention in hours (stack config `kinesisRetentionHours`). */
  readonly retentionHours: number;
}

/** The order intake stream (stream mode): provisioned shards, SSE-KMS with the stack key, shard metrics. */
export class Stream extends pulumi.ComponentResource {
  readonly stream: aws.kinesis.Stream;
  readonly streamName: pulumi.Output<string>;
  readonly streamArn: pulumi.Output<string>;

  constructor(name: string, args: StreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Stream", name, {}, opts);
    const streamName = resourceName(args.naming, "orders-stream");
    this.stream = new aws.kinesis.Stream(
      streamName,
      {
        name: streamName,
        shardCount: args.shardCount,
        retentionPeriod: args.retentionHours,
        streamModeDetails: { streamMode: "PROVISIONED" },
        encryptionType: "KMS",
        kmsKeyId: args.kmsKeyArn,
        shardLevelMetrics: [...SHARD_LEVEL_METRICS],
        tags: resourceTags(args.naming, streamName),
      },
      { parent: this },
    );
    this.streamName = this.stream.name;
    this.streamArn = this.stream.arn;
    this.registerOutputs({ streamName: this.streamName, streamArn: this.streamArn });
  }
}
