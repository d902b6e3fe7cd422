// `npm run build`: tsc compiles only TypeScript, so the dashboard's page, script and stylesheet are
// copied next to the compiled route (dist/dashboard/static), where it reads them in the image.
import { cpSync } from "node:fs";

cpSync(
  new URL("../src/dashboard/static", import.meta.url),
  new URL("../dist/dashboard/static", import.meta.url),
  {
    recursive: true,
  },
);
