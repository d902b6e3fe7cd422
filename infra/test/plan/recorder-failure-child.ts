/**
 * Registers one resource the monitor refuses and one it accepts, then prints what the recorder saw.
 * In a child process because the refusal also rejects promises inside Pulumi that nothing awaits
 * (ignored here on purpose: what matters is what the recorder reports).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createPlanMocks } from "../../src/plan/mocks.js";
import { RegistrationRecorder } from "../../src/plan/recorder.js";

process.on("unhandledRejection", () => {});
// The repository's mock provider, except that it refuses one registration as AWS would on a quota.
const provider = createPlanMocks("eu-central-1");
await pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      if (args.name === "refused") throw new Error("quota exceeded");
      return provider.newResource(args);
    },
    call: (args) => provider.call(args),
  },
  "project",
  "stack",
);
const recorder = new RegistrationRecorder();
recorder.attach();
new aws.ec2.Vpc("refused", { cidrBlock: "10.0.0.0/16" });
new aws.ec2.Vpc("accepted", { cidrBlock: "10.1.0.0/16" });
while (recorder.failures.length + recorder.resources().length < 2 || recorder.pending > 0) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
process.stdout.write(
  JSON.stringify({ failures: recorder.failures, recorded: recorder.resources().map((r) => r.name) }),
);
