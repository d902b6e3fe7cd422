import type { ServiceEnvName } from "@fastcart/service/contract";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { ContainerSecrets } from "../containers.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface AppConfigParts {
  readonly parameters: aws.ssm.Parameter[];
  /** The same settings as container `secrets` (name → parameter ARN): ECS resolves them at task start. */
  readonly secrets: ContainerSecrets;
}

/**
 * Non-secret app settings kept in SSM Parameter Store (`/fastcart/<suffix>/<NAME>`), so operators can
 * change them without a new task definition (tasks pick them up at their next start).
 */
export function createAppConfigParameters(
  naming: Naming,
  settings: Partial<Record<ServiceEnvName, string>>,
  parent: pulumi.Resource,
): AppConfigParts {
  const parameters: aws.ssm.Parameter[] = [];
  const secrets: ContainerSecrets = {};
  for (const [envName, value] of Object.entries(settings)) {
    const parameterName = `/fastcart/${naming.environmentSuffix}/${envName}`;
    const parameter = new aws.ssm.Parameter(
      resourceName(naming, `param-${envName.toLowerCase().replaceAll("_", "-")}`),
      {
        name: parameterName,
        type: "String",
        // insecureValue: these settings are not secret, so the plan and `pulumi preview` show them.
        insecureValue: value,
        description: `FastCart ${envName}`,
        tags: resourceTags(naming, parameterName),
      },
      { parent },
    );
    parameters.push(parameter);
    secrets[envName as ServiceEnvName] = parameter.arn;
  }
  return { parameters, secrets };
}
