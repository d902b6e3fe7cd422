/** The plan's wire-format conversion: secrets redacted, unknowns marked, leaked plaintexts scrubbed. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { collectStrings, fromWire, scrubLeakedSecrets } from "../src/plan/redact.js";

describe("wire format → plan JSON", () => {
  const sig = pulumi.runtime.specialSigKey;
  it("redacts secrets, marks unknowns, names resources by URN and assets by origin", () => {
    assert.deepEqual(
      fromWire({
        plain: ["a", 1, true, null],
        secret: { [sig]: pulumi.runtime.specialSecretSig, value: "hunter22hunter22" },
        unknown: pulumi.runtime.unknownValue,
        ref: { [sig]: pulumi.runtime.specialResourceSig, urn: "urn:pulumi:s::p::t::n", id: "x" },
        secretOutput: {
          [sig]: pulumi.runtime.specialOutputValueSig,
          value: "hunter22hunter22",
          secret: true,
        },
        knownOutput: { [sig]: pulumi.runtime.specialOutputValueSig, value: { nested: "v" } },
        unknownOutput: { [sig]: pulumi.runtime.specialOutputValueSig },
        file: { [sig]: pulumi.runtime.specialAssetSig, path: "./lambda.zip" },
        remote: { [sig]: pulumi.runtime.specialArchiveSig, uri: "https://example.com/a.zip" },
        text: { [sig]: pulumi.runtime.specialAssetSig, text: "print(1)" },
        archive: { [sig]: pulumi.runtime.specialArchiveSig, assets: {} },
      }),
      {
        plain: ["a", 1, true, null],
        secret: "[secret]",
        unknown: "[unknown]",
        ref: "urn:pulumi:s::p::t::n",
        secretOutput: "[secret]",
        knownOutput: { nested: "v" },
        unknownOutput: "[unknown]",
        file: "[asset ./lambda.zip]",
        remote: "[asset https://example.com/a.zip]",
        text: "[asset text]",
        archive: "[asset archive]",
      },
    );
  });

  it("collects the plaintexts of generated secrets, ignoring strings too short to be one", () => {
    const into = new Set<string>();
    collectStrings({ password: "correct-horse-battery", nested: ["staple-staple", 42, null, "short"] }, into);
    assert.deepEqual([...into], ["correct-horse-battery", "staple-staple"]);
  });

  it("scrubs a known secret wherever it reappears, and says where", () => {
    const leaks: string[] = [];
    const scrubbed = scrubLeakedSecrets(
      { list: ["ok", "prefix-hunter22hunter22-suffix"], deep: { value: "hunter22hunter22" }, n: 5 },
      new Set(["hunter22hunter22"]),
      "res",
      leaks,
    );
    assert.deepEqual(scrubbed, { list: ["ok", "[secret]"], deep: { value: "[secret]" }, n: 5 });
    assert.deepEqual(leaks, ["res.list[1]", "res.deep.value"]);
  });
});
