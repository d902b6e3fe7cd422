/**
 * The shared behavioural suite in table mode on MariaDB/MySQL (the engine of stack orders-api-prod's
 * Aurora MySQL). Runs when MYSQL_URL is set; skipped with a message otherwise (an error under CI=true).
 */
import { behaviourSuite } from "./support/behaviour-suite.js";
import { tableModeHarness } from "./support/mode-harnesses.js";
import { optionalService } from "./support/services.js";

const mysql = optionalService("MYSQL_URL");
behaviourSuite("behaviour, table mode (MariaDB/MySQL)", () => tableModeHarness("btablemy", "mysql"), {
  skip: mysql.skip,
});
