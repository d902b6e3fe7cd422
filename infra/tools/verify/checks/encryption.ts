/** The stack's customer-managed KMS key: enabled, with automatic rotation as planned. */
import { DescribeKeyCommand, GetKeyRotationStatusCommand } from "@aws-sdk/client-kms";
import type { AwsClients } from "../aws.js";
import type { PlanView } from "../plan-view.js";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { found, matchesOutput } from "./support.js";

const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";

/** The alias the plan gives the stack's key: how the verifier finds the live key in either stack. */
export function keyAlias(plan: PlanView): string {
  return stringInput(plan.one(ALIAS), "name");
}

/** The live key behind the plan's alias, and the plan's key id/ARN it stands for. */
export async function resolveStackKey(plan: PlanView, aws: AwsClients) {
  const alias = plan.one(ALIAS);
  const { KeyMetadata } = await aws.send(
    aws.kms,
    new DescribeKeyCommand({ KeyId: stringInput(alias, "name") }),
  );
  const planKeyId = stringInput(alias, "targetKeyId");
  return { planKeyId, live: found(KeyMetadata, `KMS key ${stringInput(alias, "name")}`) };
}

export const kmsKey: Check = {
  id: "kms-key",
  title: "the stack's KMS key is enabled, customer-managed, and rotates as planned",
  appliesTo: (plan) => plan.has(KEY) && plan.has(ALIAS),
  async run(context, findings) {
    const { plan, aws } = context;
    const planned = plan.one(KEY);
    const { live } = await resolveStackKey(plan, aws);
    findings.equal("keyState", "Enabled", live.KeyState);
    findings.equal("keyManager", "CUSTOMER", live.KeyManager);
    findings.equal("keyUsage", inputAt(planned, "keyUsage") ?? "ENCRYPT_DECRYPT", live.KeyUsage);
    findings.equal("keySpec", inputAt(planned, "customerMasterKeySpec") ?? "SYMMETRIC_DEFAULT", live.KeySpec);
    const rotation = await aws.send(aws.kms, new GetKeyRotationStatusCommand({ KeyId: live.KeyId }));
    findings.equal(
      "enableKeyRotation",
      inputAt(planned, "enableKeyRotation") ?? false,
      rotation.KeyRotationEnabled,
    );
    const period = inputAt(planned, "rotationPeriodInDays");
    if (period !== undefined) findings.equal("rotationPeriodInDays", period, rotation.RotationPeriodInDays);
    matchesOutput(context, findings, "kms_key_id", live.KeyId);
    matchesOutput(context, findings, "kms_key_arn", live.Arn);
    findings.note(`${keyAlias(plan)} → ${live.KeyId}`);
  },
};
