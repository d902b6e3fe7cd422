/** The intake mode a configuration selects (INTAKE_MODE). */
import type { IntakeMode as IntakeModeName } from "../contract.js";
import { streamMode } from "./stream/index.js";
import { tableMode } from "./table/index.js";
import type { IntakeMode } from "./types.js";

const MODES: Readonly<Record<IntakeModeName, IntakeMode>> = { stream: streamMode, table: tableMode };

export function intakeModeFor(name: IntakeModeName): IntakeMode {
  return MODES[name];
}
