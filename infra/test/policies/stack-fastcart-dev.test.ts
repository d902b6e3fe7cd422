import { stackRulesSuite } from "./stack-rules-suite.js";

stackRulesSuite("fastcart-dev", "dev");
