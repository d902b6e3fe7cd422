import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SHARD_LEVEL_METRICS, Stream } from "../../src/components/stream.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { STREAM_DEFAULTS } from "../support/component-defaults.js";
import { installMocks, type MockHarness, resolve } from "../support/mocks.js";

const naming = { environmentSuffix: "st", stackName: "unit" };
const keyArn = "arn:aws:kms:eu-central-1:123456789012:key/k";

describe("Stream", () => {
  let harness: MockHarness;
  let stream: Stream;
  before(async () => {
    harness = await installMocks("eu-central-1");
    stream = new Stream("fastcart-stream-st", { ...STREAM_DEFAULTS, naming, kmsKeyArn: keyArn });
    new Stream("fastcart-stream-st4", {
      ...STREAM_DEFAULTS,
      naming: { ...naming, environmentSuffix: "st4" },
      kmsKeyArn: keyArn,
      shardCount: 4,
      retentionHours: 48,
    });
    await resolve(stream.streamArn);
    await harness.settle();
  });

  it("is a provisioned 2-shard stream, KMS-encrypted with the stack key, 24 h retention, shard metrics on", () => {
    const s = harness.one("aws:kinesis/stream:Stream", "fastcart-orders-stream-st");
    assert.equal(s.inputs["name"], "fastcart-orders-stream-st");
    assert.equal(s.inputs["shardCount"], STREAM_DEFAULTS.shardCount);
    assert.equal(s.inputs["retentionPeriod"], STREAM_DEFAULTS.retentionHours);
    assert.deepEqual(s.inputs["streamModeDetails"], { streamMode: "PROVISIONED" });
    assert.equal(s.inputs["encryptionType"], "KMS");
    assert.equal(s.inputs["kmsKeyId"], keyArn);
    assert.deepEqual(s.inputs["shardLevelMetrics"], [...SHARD_LEVEL_METRICS]);
    assert.ok(SHARD_LEVEL_METRICS.includes("IteratorAgeMilliseconds"));
    assertTagged(s, naming);
  });

  it("takes shard count and retention from its args", () => {
    const s = harness.one("aws:kinesis/stream:Stream", "fastcart-orders-stream-st4");
    assert.deepEqual([s.inputs["shardCount"], s.inputs["retentionPeriod"]], [4, 48]);
  });

  it("is parented to the component and exports name and ARN", async () => {
    assertParentedTo(harness, createdWithSuffix(harness, "st"), "fastcart:components:Stream");
    assert.equal(await resolve(stream.streamName), "fastcart-orders-stream-st");
    assert.equal(
      await resolve(stream.streamArn),
      "arn:aws:kinesis:eu-central-1:123456789012:stream/fastcart-orders-stream-st",
    );
  });
});
