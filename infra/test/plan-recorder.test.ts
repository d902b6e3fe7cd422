/** The plan's registration recorder: what it needs installed and how it reports refused registrations. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RegistrationRecorder } from "../src/plan/recorder.js";

describe("RegistrationRecorder", () => {
  // First in this file: before any setMocks, this process has no monitor.
  it("needs the mock monitor installed first", () => {
    assert.throws(
      () => new RegistrationRecorder().attach(),
      /No resource monitor: call pulumi\.runtime\.setMocks/,
    );
  });

  it("records registrations the monitor refuses as failures, with type and name", () => {
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "plan", "recorder-failure-child.ts")],
      {
        encoding: "utf8",
      },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      failures: ["aws:ec2/vpc:Vpc refused: quota exceeded"],
      recorded: ["accepted"],
    });
  });
});
