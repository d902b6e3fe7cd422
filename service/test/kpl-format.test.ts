/**
 * KPL deaggregation and user-record positions, against records aggregated by awslabs' aws-kinesis-agg:
 * every user record comes out with its partition key, sub-sequence number and bytes; anything that
 * only looks aggregated (magic without a valid checksum or protobuf) is a plain record; checkpoints
 * inside an aggregated record resume at the first uncommitted user record.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import type { _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import { deaggregate, hasKplMagic, KPL_MAGIC } from "../src/modes/stream/kpl-format.js";
import {
  chunkUserRecords,
  expandRecords,
  formatCheckpoint,
  iteratorStart,
  parseCheckpoint,
} from "../src/modes/stream/stream-position.js";
import { aggregateRecords } from "./support/kpl.js";

const text = (value: string) => new TextEncoder().encode(value);
const asText = (data: Uint8Array) => new TextDecoder().decode(data);

async function oneAggregate(count: number): Promise<Buffer> {
  const users = Array.from({ length: count }, (_, i) => ({
    partitionKey: `pk-${i % 3}`,
    data: text(`user-${i}`),
  }));
  const [record, ...more] = await aggregateRecords(users);
  assert.equal(more.length, 0, "the library packed everything into one record");
  return record!.data;
}

describe("KPL aggregation format", () => {
  test("deaggregates what aws-kinesis-agg aggregated, in order, with partition and hash keys", async () => {
    const [record] = await aggregateRecords([
      { partitionKey: "a", data: text("one") },
      { partitionKey: "b", data: text("two"), explicitHashKey: "340282366920938463463374607431768211455" },
      { partitionKey: "a", data: text("three") },
    ]);
    const users = deaggregate(record!.data);
    assert.ok(users);
    assert.deepEqual(
      users.map((u) => [u.subSequenceNumber, u.partitionKey, asText(u.data), u.explicitHashKey]),
      [
        [0, "a", "one", undefined],
        [1, "b", "two", "340282366920938463463374607431768211455"],
        [2, "a", "three", undefined],
      ],
    );
  });

  test("a record that only looks aggregated is plain: bad checksum, bad protobuf, too short, no magic", async () => {
    const good = await oneAggregate(4);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 0xff;
    assert.equal(deaggregate(flipped), undefined, "MD5 trailer mismatch");
    const body = Buffer.from([0x1a, 0x05, 0x08]); // a Record field whose length runs past the end
    const bogus = Buffer.concat([KPL_MAGIC, body, createHash("md5").update(body).digest()]);
    assert.equal(hasKplMagic(bogus), true);
    assert.equal(deaggregate(bogus), undefined, "checksum right, protobuf broken");
    const missingData = Buffer.from([0x1a, 0x02, 0x08, 0x00]); // Record without its required data
    const incomplete = Buffer.concat([
      KPL_MAGIC,
      missingData,
      createHash("md5").update(missingData).digest(),
    ]);
    assert.equal(deaggregate(incomplete), undefined, "required field missing");
    const badIndex = Buffer.from([0x1a, 0x04, 0x08, 0x05, 0x1a, 0x00]); // partition key 5 of an empty table
    const outOfTable = Buffer.concat([KPL_MAGIC, badIndex, createHash("md5").update(badIndex).digest()]);
    assert.equal(deaggregate(outOfTable), undefined, "index outside the partition key table");
    assert.equal(deaggregate(Buffer.from([...KPL_MAGIC, 1, 2])), undefined, "shorter than a checksum");
    assert.equal(deaggregate(text('{"schema":"fastcart.order.v1"}')), undefined);
  });

  test("expandRecords: plain records are one user record, aggregates many; checkpoints commit each", async () => {
    const agg = await oneAggregate(3);
    const records: KinesisRecord[] = [
      { SequenceNumber: "100", PartitionKey: "p", Data: text("plain-1") },
      { SequenceNumber: "200", PartitionKey: "ignored", Data: agg },
      { SequenceNumber: "300", PartitionKey: "q", Data: text("plain-2") },
    ];
    const users = expandRecords(records, undefined);
    assert.deepEqual(
      users.map((u) => [u.sequenceNumber, u.subSequenceNumber, asText(u.data), u.checkpointAfter]),
      [
        ["100", undefined, "plain-1", "100"],
        ["200", 0, "user-0", "200:0"],
        ["200", 1, "user-1", "200:1"],
        ["200", 2, "user-2", "200"],
        ["300", undefined, "plain-2", "300"],
      ],
    );
    // Resuming inside the aggregate: only what was not committed comes back.
    assert.deepEqual(
      expandRecords(records.slice(1), "200:0").map((u) => asText(u.data)),
      ["user-1", "user-2", "plain-2"],
    );
    assert.deepEqual(
      expandRecords(records, "100").map((u) => asText(u.data)),
      ["user-0", "user-1", "user-2", "plain-2"],
    );
  });

  test("chunkUserRecords: chunks end where their last user record ends; the last covers the whole read", async () => {
    const agg = await oneAggregate(5);
    const users = expandRecords([{ SequenceNumber: "7", PartitionKey: "x", Data: agg }], undefined);
    assert.deepEqual(
      chunkUserRecords(users, 2, "7").map((c) => [c.records.length, c.checkpoint]),
      [
        [2, "7:1"],
        [2, "7:3"],
        [1, "7"],
      ],
    );
    // An aggregate of no user records still moves the checkpoint past itself.
    const emptyAggregate = Buffer.concat([KPL_MAGIC, createHash("md5").update(Buffer.alloc(0)).digest()]);
    assert.deepEqual(deaggregate(emptyAggregate), []);
    const none = expandRecords([{ SequenceNumber: "9", PartitionKey: "x", Data: emptyAggregate }], "7");
    assert.deepEqual(chunkUserRecords(none, 2, "9"), [{ records: [], checkpoint: "9" }]);
  });

  test("checkpoint strings and the iterator that resumes after them", () => {
    assert.equal(formatCheckpoint({ sequenceNumber: "42" }), "42");
    assert.equal(formatCheckpoint({ sequenceNumber: "42", subSequenceNumber: 3 }), "42:3");
    assert.deepEqual(parseCheckpoint("42:3"), { sequenceNumber: "42", subSequenceNumber: 3 });
    assert.deepEqual(parseCheckpoint("42"), { sequenceNumber: "42" });
    assert.deepEqual(iteratorStart(undefined), { ShardIteratorType: "TRIM_HORIZON" });
    assert.deepEqual(iteratorStart("42"), {
      ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
      StartingSequenceNumber: "42",
    });
    assert.deepEqual(iteratorStart("42:3"), {
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      StartingSequenceNumber: "42",
    });
  });
});
