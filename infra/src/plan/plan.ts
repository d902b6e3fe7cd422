import * as pulumi from "@pulumi/pulumi";
import { createPlanMocks } from "./mocks.js";
import { RegistrationRecorder } from "./recorder.js";
import { fromWire, scrubLeakedSecrets } from "./redact.js";
import { readStackSettings, type StackSettings } from "./stack-settings.js";
import type { Plan, PlanResource } from "./types.js";

/** A Pulumi program as the plan runs it: builds resources and returns the stack outputs. */
export type PlanProgram = () =>
  | Record<string, pulumi.Input<unknown>>
  | Promise<Record<string, pulumi.Input<unknown>>>;

export interface PlanOptions {
  /** Called each time a registration completes, with the running count (the CLI prints progress). */
  readonly onProgress?: (registered: number) => void;
}

let planInProgress = false;

/**
 * Runs `program` under Pulumi's mocks with the stack's config and returns the resource graph.
 *
 * The Pulumi runtime is process-global. Plans run one after another are independent — `setMocks` resets
 * the runtime's options and monitor, and `setAllConfig` replaces the whole config — as long as the
 * program keeps no state of its own between calls (ours builds everything inside `createProgram`).
 * Two plans at the same time would share that state, so a second concurrent call is refused.
 */
export async function planProgram(
  settings: StackSettings,
  program: PlanProgram,
  options: PlanOptions = {},
): Promise<Plan> {
  if (planInProgress)
    throw new Error("A plan is already running in this process; plan stacks one after another.");
  planInProgress = true;
  // A failed data source or registration also rejects promises inside Pulumi's Output machinery that
  // nothing awaits. Collect them instead of letting Node crash on them: the plan reports the failure
  // itself, and fails on any that were not part of a failure it reported.
  const stray: unknown[] = [];
  const collect = (reason: unknown) => stray.push(reason);
  process.on("unhandledRejection", collect);
  try {
    return await runPlan(settings, program, options, stray);
  } finally {
    process.off("unhandledRejection", collect);
    planInProgress = false;
  }
}

async function runPlan(
  settings: StackSettings,
  program: PlanProgram,
  options: PlanOptions,
  stray: readonly unknown[],
): Promise<Plan> {
  const region = settings.config["aws:region"];
  if (region === undefined) {
    throw new Error(`Stack "${settings.stack}" sets no aws:region; add it to Pulumi.${settings.stack}.yaml.`);
  }
  await pulumi.runtime.setMocks(createPlanMocks(region), settings.project, settings.stack, false);
  const recorder = new RegistrationRecorder(options.onProgress);
  recorder.attach();
  pulumi.runtime.setAllConfig({ ...settings.config }, [...settings.secretKeys]);

  const secrets = new Set(settings.secretKeys.map((key) => settings.config[key] as string));
  const outputs: Record<string, unknown> = {};
  let programError: unknown;
  try {
    const returned = await program();
    for (const [key, value] of Object.entries(returned)) {
      outputs[key] = fromWire(await pulumi.runtime.serializeProperty(`output ${key}`, value));
    }
  } catch (error) {
    programError = error;
  }
  // Even when the program failed: a refused registration explains the failure better than its echo.
  await waitForRegistrations(recorder);
  if (recorder.failures.length > 0) {
    const list = recorder.failures.join("\n  ");
    throw new Error(
      `Stack "${settings.stack}": ${recorder.failures.length} resource(s) failed to register:\n  ${list}`,
      {
        cause: programError,
      },
    );
  }
  if (programError !== undefined) throw programError;
  if (stray.length > 0) {
    const distinct = [...new Set(stray.map(String))];
    throw new Error(
      `Stack "${settings.stack}": the program left errors unhandled:\n  ${distinct.join("\n  ")}`,
    );
  }
  for (const secret of recorder.secretsSeen) secrets.add(secret);

  const warnings: string[] = [];
  const leaks: string[] = [];
  const resources = recorder.resources().map(
    (resource): PlanResource => ({
      ...resource,
      inputs: scrubLeakedSecrets(
        resource.inputs,
        secrets,
        `${resource.urn} inputs`,
        leaks,
      ) as PlanResource["inputs"],
    }),
  );
  const scrubbedOutputs = scrubLeakedSecrets(outputs, secrets, "stack outputs", leaks) as Plan["outputs"];
  for (const where of leaks) {
    warnings.push(
      `A secret value reached ${where} without its secret mark (redacted here; fix the program).`,
    );
  }
  return { stack: settings.stack, project: settings.project, resources, outputs: scrubbedOutputs, warnings };
}

/** Until every registration the program started (including those started by `apply` callbacks) is answered. */
async function waitForRegistrations(recorder: RegistrationRecorder): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  /* c8 ignore start -- guards an upgrade of @pulumi/pulumi (pinned) that drops this internal function */
  if (typeof runtime.waitForRPCs !== "function") {
    throw new Error(
      "@pulumi/pulumi no longer exports runtime.waitForRPCs; the plan cannot tell when the program is done.",
    );
  }
  /* c8 ignore stop */
  do {
    await runtime.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  } while (recorder.pending > 0);
}

/**
 * Plans one of this repository's stacks: reads Pulumi.yaml and Pulumi.<stack>.yaml, then runs index.ts's
 * default export — the very function `pulumi up` calls — under the mocks.
 */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<Plan> {
  const settings = readStackSettings(stack);
  return planProgram(
    settings,
    async () => {
      // Imported only now: the program's modules must see the mocked runtime, not load before it exists.
      const entry = await import("../../index.js");
      return entry.default();
    },
    options,
  );
}
