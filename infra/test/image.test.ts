import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { imageByDigest, parseEcrRepositoryUrl } from "../src/image.js";
import { installMocks, type MockHarness, resolve } from "./support/mocks.js";

const digest = `sha256:${"b".repeat(64)}`;

describe("image by digest", () => {
  let harness: MockHarness;
  before(async () => {
    harness = await installMocks("eu-central-1");
  });

  it("parses ECR repository URLs and rejects other registries", () => {
    assert.deepEqual(parseEcrRepositoryUrl("210987654321.dkr.ecr.us-west-2.amazonaws.com/team/fastcart"), {
      registryId: "210987654321",
      region: "us-west-2",
      name: "team/fastcart",
    });
    assert.equal(parseEcrRepositoryUrl("ghcr.io/fastcart/orders"), undefined);
    assert.equal(parseEcrRepositoryUrl("docker.io/library/node"), undefined);
  });

  it("a given digest is used as it is, without asking ECR", async () => {
    const image = await resolve(imageByDigest({ repositoryUrl: "ghcr.io/fastcart/orders", digest }));
    assert.equal(image, `ghcr.io/fastcart/orders@${digest}`);
    assert.equal(harness.calls.filter((c) => c.token === "aws:ecr/getImage:getImage").length, 0);
  });

  it("a tag is resolved to the digest ECR reports for it, in the named repository and registry", async () => {
    const own = await resolve(
      imageByDigest({
        repositoryUrl: "repo.example/fastcart-ecr-dev",
        tag: "1.4.2",
        ecr: { name: "fastcart-ecr-dev" },
      }),
    );
    assert.match(own, /^repo\.example\/fastcart-ecr-dev@sha256:[0-9a-f]{64}$/);
    const external = await resolve(
      imageByDigest({
        repositoryUrl: "210987654321.dkr.ecr.us-west-2.amazonaws.com/team/fastcart",
        tag: "1.4.2",
        ecr: { name: "team/fastcart", registryId: "210987654321", region: "us-west-2" },
      }),
    );
    assert.match(external, /@sha256:[0-9a-f]{64}$/);
    const calls = harness.calls.filter((c) => c.token === "aws:ecr/getImage:getImage").map((c) => c.inputs);
    assert.deepEqual(calls, [
      { repositoryName: "fastcart-ecr-dev", imageTag: "1.4.2" },
      { repositoryName: "team/fastcart", imageTag: "1.4.2", registryId: "210987654321", region: "us-west-2" },
    ]);
    assert.notEqual(own.split("@")[1], external.split("@")[1], "the digest is the one of that repository");
  });
});
