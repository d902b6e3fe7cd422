import { simulationSuite } from "./simulation-suite.js";

await simulationSuite("orders-api-prod");
