/** The configuration reference in infra/README.md is the one tools/config-doc.ts generates from the spec. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { STACK_CONFIG_SPEC } from "../src/config.js";
import {
  configReferenceTable,
  END_MARKER,
  normaliseTable,
  README,
  START_MARKER,
  tableInReadme,
  withGeneratedTable,
} from "../tools/config-doc.js";

describe("configuration reference", () => {
  it("in README.md matches STACK_CONFIG_SPEC (regenerate: node --import tsx tools/config-doc.ts --write)", () => {
    assert.equal(
      normaliseTable(tableInReadme(readFileSync(README, "utf8"))),
      normaliseTable(configReferenceTable()),
    );
  });

  it("ignores column padding a markdown formatter adds, but not a changed cell", () => {
    const table = configReferenceTable();
    const padded = table.replace(/ \| /g, "   |   ").replace(/\| --- /g, "|:--------");
    assert.equal(normaliseTable(padded), normaliseTable(table));
    assert.notEqual(normaliseTable(table.replace("`10.0.0.0/16`", "`10.1.0.0/16`")), normaliseTable(table));
    assert.equal(normaliseTable("| a \\| b | c |"), "|a \\| b|c|");
  });

  it("has one row per key, with its namespace, default or 'required', rule and description", () => {
    const rows = configReferenceTable().split("\n").slice(2);
    assert.equal(rows.length, Object.keys(STACK_CONFIG_SPEC).length);
    assert.ok(
      rows.includes(
        `| \`aws:region\` | string | **required** | ${STACK_CONFIG_SPEC.region.rule} | ${STACK_CONFIG_SPEC.region.description} |`,
      ),
    );
    assert.ok(
      rows.some((row) =>
        row.startsWith("| `fastcart-orders:kinesisShardCount` | integer | `2` | an integer from 1 to 500 |"),
      ),
    );
    assert.ok(rows.some((row) => row.startsWith("| `fastcart-orders:certificateArn` | string | (unset) |")));
    for (const row of rows)
      assert.equal(row.split(/(?<!\\)\|/).length, 7, `a cell contains an unescaped pipe: ${row}`);
  });

  it("replaces only what is between the markers, and refuses a README without them", () => {
    const readme = `# Title\n${START_MARKER}\nold table\n${END_MARKER}\nafter\n`;
    assert.equal(
      withGeneratedTable(readme),
      `# Title\n${START_MARKER}\n${configReferenceTable()}\n${END_MARKER}\nafter\n`,
    );
    assert.throws(() => withGeneratedTable("# no markers"), /README\.md lacks the markers/);
    assert.throws(() => withGeneratedTable(`${END_MARKER}\n${START_MARKER}`), /README\.md lacks the markers/);
  });
});
