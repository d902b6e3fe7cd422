/**
 * Pulumi entry point. Pulumi imports this module and, because the default export is a function, calls
 * it and exports what it returns as the stack outputs. Kept thin: tests and the offline plan tool call
 * `createProgram` directly with a config read from the stack file.
 */
import { loadStackConfig } from "./src/config.js";
import { createProgram } from "./src/program.js";

export default () => createProgram(loadStackConfig());
