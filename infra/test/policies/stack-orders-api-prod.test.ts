import { stackRulesSuite } from "./stack-rules-suite.js";

stackRulesSuite("orders-api-prod", "prod");
