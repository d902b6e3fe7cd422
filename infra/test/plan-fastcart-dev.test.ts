import { PIPELINE_OUTPUTS } from "../src/program.js";
import { stackPlanSuite } from "./plan/stack-plan-suite.js";

stackPlanSuite("fastcart-dev", PIPELINE_OUTPUTS);
