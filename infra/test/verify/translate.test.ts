/** Plan identifiers (stand-in account, hashed ids) are rewritten into the deployed stack's real ones. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { Translator } from "../../tools/verify/plan-view.js";

it("rewrites plan ids inside any value, longest first, a later pair winning, identity dropped", () => {
  const t = new Translator();
  t.add(["subnet-plan1", "subnet-plan2"], ["subnet-live1", "subnet-live2"]);
  t.add("8b36-plan", "1234-live");
  t.add(
    "arn:aws:kms:eu-central-1:123456789012:key/8b36-plan",
    "arn:aws:kms:eu-central-1:999:key/from-outputs",
  );
  t.add("arn:aws:kms:eu-central-1:123456789012:key/8b36-plan", "arn:aws:kms:eu-central-1:999:key/1234-live");
  t.add("123456789012", "999988887777");
  t.add("[secret]", "x");
  t.add("same", "same");
  assert.deepEqual(
    t.live({
      subnets: ["subnet-plan2"],
      key: "arn:aws:kms:eu-central-1:123456789012:key/8b36-plan",
      role: "arn:aws:iam::123456789012:role/r",
      n: 1,
      s: "same",
    }),
    {
      subnets: ["subnet-live2"],
      key: "arn:aws:kms:eu-central-1:999:key/1234-live",
      role: "arn:aws:iam::999988887777:role/r",
      n: 1,
      s: "same",
    },
  );
  assert.equal(t.live("[secret]"), "[secret]");
});
