import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { carriesSuffix, namesCarrySuffix } from "../../src/policies/naming.js";
import { isTaggable, requiredTags } from "../../src/policies/tagging.js";
import * as naming from "./fixtures/naming.js";
import * as tagging from "./fixtures/tagging.js";
import { assertAccepts, assertRejects } from "./rule-fixture.js";

describe("rule names-carry-environment-suffix", () => {
  it("accepts explicit names, paths, aliases and auto-names that carry the suffix as a whole segment", () => {
    assertAccepts(namesCarrySuffix, naming.good);
  });
  it("rejects names, Name tags, task families and logical names without it", () => {
    assertRejects(namesCarrySuffix, naming.bad);
  });
  it("matches the suffix only as a segment, and treats it literally", () => {
    assert.ok(carriesSuffix("fastcart-rds-dev", "dev"));
    assert.ok(carriesSuffix("/fastcart/dev/LOG_LEVEL", "dev"));
    assert.ok(!carriesSuffix("fastcart-devops", "dev"));
    assert.ok(!carriesSuffix("fastcart-rds-dev", "d.v"));
    assert.ok(carriesSuffix("fastcart-rds-d.v", "d.v"));
  });
});

describe("rule required-tags", () => {
  it("accepts own tags, provider default tags and tagsAll, and ignores types without tags", () => {
    assertAccepts(requiredTags, tagging.good);
  });
  it("rejects missing or empty tags, and Environment/Stack values of another stack", () => {
    assertRejects(requiredTags, tagging.bad);
  });
  it("reads which types take tags from the installed @pulumi/aws", () => {
    assert.equal(isTaggable("aws:ecs/cluster:Cluster"), true);
    assert.equal(isTaggable("aws:ecs/cluster:Cluster"), true); // cached
    assert.equal(isTaggable("aws:kms/alias:Alias"), false);
    assert.equal(isTaggable("aws:ec2/routeTableAssociation:RouteTableAssociation"), false);
    assert.equal(isTaggable("aws:nosuch/thing:Thing"), false);
    assert.equal(isTaggable("random:index/randomPassword:RandomPassword"), false);
  });
});
