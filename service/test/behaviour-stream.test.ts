/** The shared behavioural suite in stream mode: KinesisOrderIntake + KinesisOrderWorker, kinesalite, PostgreSQL. */
import { behaviourSuite } from "./support/behaviour-suite.js";
import { streamModeHarness } from "./support/mode-harnesses.js";

behaviourSuite("behaviour, stream mode (kinesalite + PostgreSQL)", () => streamModeHarness("bstream"));
