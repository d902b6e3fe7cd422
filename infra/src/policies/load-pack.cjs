// Entry Pulumi's policy runner loads (package.json "main"). The runner `require`s the pack through its
// built-in ts-node, which cannot load this repository's ESM TypeScript (pulumi/pulumi#4830: policy packs
// cannot turn that off), so this CommonJS file hands pack.ts to tsx, which can.
require("tsx/cjs/api").require("./pack.ts", __filename);
