import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROJECT_NAME, resourceName, resourceTags } from "../src/naming.js";

describe("naming", () => {
  const naming = { environmentSuffix: "qa", stackName: "fastcart-qa" };

  it("names resources fastcart-{resource}-{suffix}", () => {
    assert.equal(resourceName(naming, "vpc"), "fastcart-vpc-qa");
  });

  it("tags with Project, Environment, ManagedBy, Stack and Name, plus extras", () => {
    assert.deepEqual(resourceTags(naming, "fastcart-vpc-qa", { Tier: "private" }), {
      Name: "fastcart-vpc-qa",
      Project: PROJECT_NAME,
      Environment: "qa",
      ManagedBy: "pulumi",
      Stack: "fastcart-qa",
      Tier: "private",
    });
  });
});
