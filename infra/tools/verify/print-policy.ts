/** `--print-policy`: the verifier's IAM policy for a stack, for teams that create the CI role elsewhere. */
import { loadStackConfigFromFile } from "../../src/stack-source.js";
import { verifierPolicyDocument } from "../../src/verifier-policy.js";

export function printPolicy(stack: string, accountId: string): string {
  const config = loadStackConfigFromFile(stack);
  const document = verifierPolicyDocument({
    naming: { environmentSuffix: config.environmentSuffix, stackName: stack },
    region: config.region,
    accountId,
    smokeTask: !config.albEnabled,
  });
  return JSON.stringify(document, null, 2);
}
