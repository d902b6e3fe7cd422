/** The Kinesis stream: ACTIVE with the planned shards, retention, capacity mode, encryption and shard metrics. */
import { DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { found, known, matchesOutput } from "./support.js";

const STREAM = "aws:kinesis/stream:Stream";

export const kinesisStream: Check = {
  id: "kinesis-stream",
  title: "the Kinesis stream is ACTIVE with the planned shard count, retention, KMS encryption and metrics",
  appliesTo: (plan) => plan.has(STREAM),
  async run(context, findings) {
    const { plan, aws, translate } = context;
    const planned = plan.one(STREAM);
    const name = stringInput(planned, "name");
    const { StreamDescriptionSummary } = await aws.send(
      aws.kinesis,
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    const live = found(StreamDescriptionSummary, `stream ${name}`);
    findings.equal("status", "ACTIVE", live.StreamStatus);
    findings.equal("shardCount (open shards)", inputAt(planned, "shardCount"), live.OpenShardCount);
    // Kinesis' default retention is 24 hours; the provider sends it when the program sets none.
    findings.equal(
      "retentionPeriod (hours)",
      inputAt(planned, "retentionPeriod") ?? 24,
      live.RetentionPeriodHours,
    );
    findings.equal(
      "streamMode",
      inputAt(planned, "streamModeDetails.streamMode") ?? "PROVISIONED",
      live.StreamModeDetails?.StreamMode,
    );
    findings.equal("encryptionType", inputAt(planned, "encryptionType") ?? "NONE", live.EncryptionType);
    const key = inputAt(planned, "kmsKeyId");
    if (known(key)) findings.equal("kmsKeyId", translate.live(key), live.KeyId);
    const metrics = (inputAt(planned, "shardLevelMetrics") as string[] | undefined) ?? [];
    findings.includes(
      "shardLevelMetrics",
      metrics,
      live.EnhancedMonitoring?.flatMap((m) => m.ShardLevelMetrics ?? []),
    );
    matchesOutput(context, findings, "kinesis_stream_arn", live.StreamARN);
    matchesOutput(context, findings, "kinesis_stream_name", live.StreamName);
    findings.note(`${name}: ${live.OpenShardCount} open shard(s), ${live.RetentionPeriodHours} h`);
  },
};
