import { contractSuite } from "./contract/contract-suite.js";

contractSuite("fastcart-dev");
