#!/usr/bin/env node
// The `fastcart` command. In a checkout (npm ci, then `npx fastcart …`) the TypeScript sources run
// directly through tsx, so there is no build step to forget; in the image only the compiled dist/
// exists, and that is what runs (the image links dist/main.js itself, this file is for checkouts).
import { existsSync } from "node:fs";

const sources = new URL("../src/main.ts", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  await import(new URL("../dist/main.js", import.meta.url).href);
}
