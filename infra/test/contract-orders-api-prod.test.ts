import { contractSuite } from "./contract/contract-suite.js";

contractSuite("orders-api-prod");
