import type * as pulumi from "@pulumi/pulumi";
import { generatedPassword, inventResource, PLAN_ACCOUNT_ID, shortHash } from "./invent.js";

export { generatedPassword, PLAN_ACCOUNT_ID };

/**
 * The one AWS mock provider of this repository: the offline plan and every infra test install it (tests
 * through `test/support/mocks.ts`, which adds capture). Resources get what AWS would compute
 * (`invent.ts`); data sources get deterministic answers. The same program and config give
 * byte-identical plans, which is what makes two plan files diffable in review.
 */
export function createPlanMocks(region: string): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      return inventResource(args.type, args.name, args.inputs as Record<string, unknown>, region);
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      return invokeResult(args.token, args.inputs as Record<string, unknown>, region);
    },
  };
}

/**
 * Regional Elastic Load Balancing accounts that write ALB access logs, for the regions the stacks use
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
 */
const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-central-1": "054676820928",
};

function invokeResult(
  token: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: PLAN_ACCOUNT_ID,
        arn: `arn:aws:iam::${PLAN_ACCOUNT_ID}:user/plan`,
        userId: "AIDAPLANOFFLINE",
        id: PLAN_ACCOUNT_ID,
      };
    case "aws:index/getRegion:getRegion":
      return {
        name: region,
        region,
        id: region,
        description: region,
        endpoint: `ec2.${region}.amazonaws.com`,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const letters = ["a", "b", "c", "d", "e", "f"];
      return {
        names: letters.map((letter) => `${region}${letter}`),
        zoneIds: letters.map((_, index) => `${region.slice(0, 3)}-az${index + 1}`),
        id: region,
        state: inputs["state"] ?? "available",
      };
    }
    case "aws:elb/getServiceAccount:getServiceAccount": {
      const where = String(inputs["region"] ?? region);
      const account = ELB_LOG_ACCOUNTS[where];
      if (account === undefined) throw standInMissing(`${token} for region ${where}`);
      return { id: account, arn: `arn:aws:iam::${account}:root`, region: where };
    }
    case "aws:route53/getZone:getZone": {
      // The team's public hosted zone, looked up by name.
      const name = String(inputs["name"]);
      const zoneId = `Z${shortHash(name, 20).toUpperCase()}`;
      return { id: zoneId, zoneId, name, privateZone: false };
    }
    case "aws:ecr/getImage:getImage": {
      // A pushed image's digest: deterministic per repository and tag, so plans stay byte-identical.
      const reference = `${String(inputs["registryId"] ?? PLAN_ACCOUNT_ID)}/${String(inputs["repositoryName"])}`;
      const tag = String(inputs["imageTag"] ?? inputs["imageDigest"] ?? "latest");
      return {
        id: `${reference}:${tag}`,
        registryId: inputs["registryId"] ?? PLAN_ACCOUNT_ID,
        repositoryName: inputs["repositoryName"],
        imageDigest: `sha256:${shortHash(`${reference}:${tag}`, 64)}`,
        imageTags: [tag],
        imageTag: tag,
      };
    }
    default:
      throw standInMissing(`the data source "${token}"`);
  }
}

function standInMissing(what: string): Error {
  const message =
    `The offline plan has no stand-in for ${what}. Add one to infra/src/plan/mocks.ts ` +
    "(it must return what AWS would, deterministically).";
  // The SDK reports a failed invoke with the error's `details` (the field a gRPC error carries).
  return Object.assign(new Error(message), { details: message });
}
