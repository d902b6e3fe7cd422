import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { README_PATH, withTable } from "../scripts/env-doc.js";

test("the README's configuration table lists exactly the variables in contract.ts", async () => {
  const readme = await readFile(README_PATH, "utf8");
  assert.equal(
    readme,
    withTable(readme),
    "README.md's service configuration table is stale: run `npm run env-doc -w service -- --write`",
  );
});
