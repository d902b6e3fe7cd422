/** The plan's reading of the project and stack files. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { INFRA_DIR, knownStacks, readStackSettings, secretPlaceholder } from "../src/plan/stack-settings.js";

describe("stack files", () => {
  const dir = mkdtempSync(join(tmpdir(), "plan-stacks-"));
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);

  it("lists this repository's stacks", () => {
    assert.deepEqual(knownStacks(), ["fastcart-dev", "orders-api-prod"]);
    assert.ok(INFRA_DIR.endsWith("/infra/"));
  });

  it("applies project values and defaults, then the stack file; qualifies bare keys; renders structure as JSON", () => {
    write(
      "Pulumi.yaml",
      "name: demo\nconfig:\n  demo:a:\n    default: 1\n  b:\n    value: two\n  aws:region: us-east-1\n  demo:unset:\n    type: string\n",
    );
    write(
      "Pulumi.one.yml",
      "config:\n  aws:region: eu-west-1\n  list: [1, 2]\n  demo:token:\n    secure: v1:abc\n",
    );
    const settings = readStackSettings("one", dir);
    assert.deepEqual(settings, {
      project: "demo",
      stack: "one",
      config: {
        "demo:a": "1",
        "demo:b": "two",
        "aws:region": "eu-west-1",
        "demo:list": "[1,2]",
        "demo:token": secretPlaceholder("demo:token"),
      },
      secretKeys: ["demo:token"],
    });
  });

  it("refuses an unknown stack with the list of known ones, a project without a name, and a non-mapping file", () => {
    assert.throws(
      () => readStackSettings("nope"),
      /^Error: Unknown stack "nope": there is no .*Pulumi\.nope\.yaml\. Known stacks: fastcart-dev, orders-api-prod\.$/,
    );
    const empty = join(dir, "empty");
    mkdirSync(empty);
    assert.throws(() => readStackSettings("x", empty), /Known stacks: \(none\)\./);
    write("Pulumi.yaml", "description: no name\n");
    assert.throws(() => readStackSettings("one", dir), /Pulumi\.yaml: "name" must be the project name\./);
    write("Pulumi.yaml", "- a list\n");
    assert.throws(
      () => readStackSettings("one", dir),
      /Pulumi\.yaml: expected a YAML mapping at the top level\./,
    );
  });
});
