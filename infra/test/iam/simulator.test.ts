/**
 * The simulator wrapper is strict where a lenient one would let a wrong call list pass: a request the
 * engine cannot evaluate fails instead of counting as "denied", and KMS encryption-context conditions
 * are really evaluated (not dropped as unknown keys).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate } from "./simulator.js";

const ACCOUNT = "123456789012";
const KEY = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/task`;
const allow = (action: string, resource: string) => ({
  name: "p",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: resource }] },
});

describe("IAM simulator wrapper", () => {
  it("refuses an action AWS does not have instead of calling it denied", async () => {
    await assert.rejects(
      evaluate(
        { principal: ROLE, action: "kinesis:GetRecord", resource: "*" },
        { identity: [allow("kinesis:GetRecords", "*")] },
        ACCOUNT,
      ),
      /iam-simulate refused .*kinesis:GetRecord/,
    );
  });

  it("refuses a context key the action does not take (a mistake in the call list)", async () => {
    await assert.rejects(
      evaluate(
        {
          principal: ROLE,
          action: "kinesis:PutRecords",
          resource: `arn:aws:kinesis:eu-central-1:${ACCOUNT}:stream/s`,
          context: { "kms:ViaService": "kinesis.eu-central-1.amazonaws.com" },
        },
        { identity: [allow("kinesis:PutRecords", "*")] },
        ACCOUNT,
      ),
      /context keys kms:ViaService do not apply/,
    );
  });

  it("evaluates kms:EncryptionContext:<key> conditions for the right group and against another", async () => {
    const keyPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "logs.eu-central-1.amazonaws.com" },
          Action: "kms:GenerateDataKey",
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:/ecs/fastcart-*`,
            },
          },
        },
      ],
    };
    const request = (group: string) => ({
      principal: "logs.eu-central-1.amazonaws.com",
      action: "kms:GenerateDataKey",
      resource: KEY,
      context: {
        "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:${group}`,
      },
    });
    const policies = { identity: [], resource: keyPolicy };
    assert.equal(await evaluate(request("/ecs/fastcart-orders-dev"), policies, ACCOUNT), "Allowed");
    assert.equal(await evaluate(request("/aws/lambda/other"), policies, ACCOUNT), "ImplicitlyDenied");
  });

  it("takes an S3 object's account from the bucket owner", async () => {
    const bucketPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::logs/*",
        },
      ],
    };
    const decision = await evaluate(
      {
        principal: "logdelivery.elasticloadbalancing.amazonaws.com",
        action: "s3:PutObject",
        resource: "arn:aws:s3:::logs/a",
      },
      { identity: [], resource: bucketPolicy },
      ACCOUNT,
    );
    assert.equal(decision, "Allowed");
  });
});
