import { API_OUTPUTS } from "../src/program.js";
import { stackPlanSuite } from "./plan/stack-plan-suite.js";

stackPlanSuite("orders-api-prod", API_OUTPUTS);
