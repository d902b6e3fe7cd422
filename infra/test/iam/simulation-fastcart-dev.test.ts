import { simulationSuite } from "./simulation-suite.js";

await simulationSuite("fastcart-dev");
