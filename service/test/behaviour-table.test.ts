/** The shared behavioural suite in table mode: TableOrderIntake + TableOrderWorker on PostgreSQL. */
import { behaviourSuite } from "./support/behaviour-suite.js";
import { tableModeHarness } from "./support/mode-harnesses.js";

behaviourSuite("behaviour, table mode (PostgreSQL)", () => tableModeHarness("btable", "postgres"));
