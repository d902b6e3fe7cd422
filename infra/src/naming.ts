/**
 * Resource names and tags, in one place so every component follows the same convention:
 * `fastcart-{resource}-{environmentSuffix}` and the four tags Project, Environment, ManagedBy, Stack.
 *
 * Tags are set explicitly on every taggable resource (not only through provider `defaultTags`), so the
 * offline plan and the tag policy see exactly what AWS will receive.
 */

/** The pulumi project name (Pulumi.yaml `name`); also the Project tag and the config namespace. */
export const PROJECT_NAME = "fastcart-orders";

/** What every component needs to name and tag its children. */
export interface Naming {
  /** Suffix that makes names unique per environment, e.g. `dev`. */
  readonly environmentSuffix: string;
  /** Pulumi stack name, e.g. `fastcart-dev`. */
  readonly stackName: string;
}

/** `fastcart-{resource}-{environmentSuffix}`. */
export function resourceName(naming: Naming, resource: string): string {
  return `fastcart-${resource}-${naming.environmentSuffix}`;
}

/** The mandatory tags plus `Name` (what the AWS console shows) and any extra tags. */
export function resourceTags(
  naming: Naming,
  name: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    Name: name,
    Project: PROJECT_NAME,
    Environment: naming.environmentSuffix,
    ManagedBy: "pulumi",
    Stack: naming.stackName,
    ...extra,
  };
}

/**
 * The tag that marks a bucket as the ALB access-log bucket. ALB log delivery writes only to SSE-S3
 * buckets, so the customer-key encryption rule accepts SSE-S3 for a bucket carrying this tag (and
 * written by a load balancer of the stack) and for no other.
 */
export const ALB_ACCESS_LOGS_TAG = { key: "LogType", value: "alb-access-logs" } as const;
