/**
 * Where the verifier reads outputs from. The Pulumi CLI is not installed on this repository's test
 * machines (its npm package downloads a binary at install time), so `pulumi stack output` is exercised
 * with an executable named `pulumi` on PATH that records its arguments and prints what the real CLI
 * prints for `--json`: one JSON object of the stack's outputs.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  OutputsError,
  parseOutputsFile,
  pulumiOnPath,
  readPulumiOutputs,
} from "../../tools/verify/outputs.js";

describe("stack outputs", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "fastcart-outputs-"));
    writeFileSync(
      join(dir, "pulumi"),
      `#!/bin/sh\necho "$PWD $*" > "${join(dir, "args")}"\n` +
        `if [ "$6" = "--stack" ] && [ "$7" = "broken" ]; then echo "error: no stack named 'broken' found" >&2; exit 255; fi\n` +
        `echo '{"vpcId": "vpc-0abc", "redis_port": 6379, "private_subnet_ids": ["subnet-1", "subnet-2"]}'\n`,
    );
    chmodSync(join(dir, "pulumi"), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the CLI on PATH", () => {
    assert.equal(pulumiOnPath(`/nonexistent${delimiter}${dir}`), true);
    assert.equal(pulumiOnPath("/nonexistent"), false);
  });

  it("asks `pulumi stack output --json --show-secrets` in the program directory", async () => {
    const saved = process.env["PATH"];
    process.env["PATH"] = `${dir}${delimiter}${saved}`;
    try {
      const outputs = await readPulumiOutputs("orders-api-prod", tmpdir());
      assert.equal(outputs.text("vpcId"), "vpc-0abc");
      assert.equal(outputs.text("redis_port"), "6379");
      assert.deepEqual(outputs.list("private_subnet_ids"), ["subnet-1", "subnet-2"]);
      assert.equal(
        readFileSync(join(dir, "args"), "utf8").trim(),
        `${tmpdir()} stack output --json --show-secrets --non-interactive --stack orders-api-prod`,
      );
      await assert.rejects(
        readPulumiOutputs("broken", tmpdir()),
        /pulumi stack output --stack broken failed: error: no stack named 'broken' found/,
      );
    } finally {
      process.env["PATH"] = saved;
    }
  });

  it("refuses an outputs document that is not one JSON object, naming the file", () => {
    assert.throws(
      () => parseOutputsFile("[1]", "flat.json"),
      (e: Error) => e instanceof OutputsError && /flat\.json must be one JSON object/.test(e.message),
    );
    assert.throws(() => parseOutputsFile("{", "flat.json"), /flat\.json is not JSON/);
    assert.throws(
      () => parseOutputsFile("{}", "flat.json").text("vpc_id"),
      /output vpc_id is missing from flat\.json/,
    );
    assert.deepEqual(parseOutputsFile('{"ids": "a, b"}', "f").list("ids"), ["a", "b"]);
  });
});
