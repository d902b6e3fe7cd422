/**
 * Rules that relate several stack configuration keys; each problem names the key that must change.
 */
import { parseCidr } from "./cidr.js";
import { MASTER_USERNAME } from "./components/database.js";
import type { ConfigProblem, StackConfig } from "./config.js";
import { FARGATE_TASK_SIZES, type Spec, STACK_CONFIG_SPEC } from "./config-spec.js";
import { parseEcrRepositoryUrl } from "./image.js";

/** Rules that relate several keys; each problem names the key that must change. */
export function crossKeyProblems(c: StackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (property: keyof Spec, rule: string) =>
    problems.push({
      key: STACK_CONFIG_SPEC[property].key,
      value: c[property] === undefined ? undefined : String(c[property]),
      rule,
    });

  try {
    parseCidr(c.vpcCidr);
  } catch (error) {
    add("vpcCidr", `a network address (${(error as Error).message})`);
  }
  const memories = FARGATE_TASK_SIZES[c.taskCpu] ?? [];
  if (!memories.includes(c.taskMemory)) {
    add("taskMemory", `a size Fargate offers for taskCpu ${c.taskCpu}: ${memories.join(", ")}`);
  }
  if (c.fargateWeight + c.fargateSpotWeight === 0) {
    add(
      "fargateWeight",
      "above 0 when fargateSpotWeight is 0 (at least one capacity provider must carry weight)",
    );
  }
  if (c.autoscalingEnabled) {
    if (c.containerInsights === "disabled") {
      add(
        "containerInsights",
        "enabled or enhanced when autoscaling is on (the pending-orders policy divides by its RunningTaskCount)",
      );
    }
    if (c.minCapacity > c.maxCapacity) add("minCapacity", `at most maxCapacity (${c.maxCapacity})`);
    if (c.desiredCount < c.minCapacity || c.desiredCount > c.maxCapacity) {
      add("desiredCount", `within minCapacity..maxCapacity (${c.minCapacity}..${c.maxCapacity})`);
    }
  }
  if (!c.albEnabled) {
    if (c.wafEnabled) add("wafEnabled", "false unless albEnabled is true (the web ACL protects the ALB)");
    if (c.deploymentStrategy === "blue-green") {
      add("deploymentStrategy", "rolling unless albEnabled is true (blue/green shifts ALB traffic)");
    }
    if (c.certificateArn !== undefined) add("certificateArn", "unset unless albEnabled is true");
  }
  checkHttps(c, add);
  if (c.certificateArn !== undefined && c.certificateArn.split(":")[3] !== c.region) {
    add("certificateArn", `a certificate in the stack's region ${c.region}`);
  }
  if (c.imageDigest === undefined) {
    if (c.imageTag === undefined) {
      add(
        "imageTag",
        "set, or imageDigest set: the task definitions run an image by digest, resolved from this tag at deploy time or given as imageDigest",
      );
    } else if (c.imageRepository !== undefined && parseEcrRepositoryUrl(c.imageRepository) === undefined) {
      add(
        "imageDigest",
        "set when imageRepository is not an ECR repository (a tag can only be resolved to its digest in ECR)",
      );
    }
  }
  if (c.dbAppUser === MASTER_USERNAME) {
    add(
      "dbAppUser",
      `a user other than the master user ${MASTER_USERNAME} (the application must not own the schema)`,
    );
  }
  if (c.outputProfile === "pipeline") {
    if (c.intakeMode !== "stream")
      add("intakeMode", "stream for outputProfile pipeline (it exports the stream)");
    if (!c.cacheEnabled)
      add("cacheEnabled", "true for outputProfile pipeline (it exports the Redis endpoint)");
    if (c.databaseEngine !== "postgres") {
      add("databaseEngine", "postgres for outputProfile pipeline (it exports the RDS instance id)");
    }
  } else {
    if (!c.albEnabled) add("albEnabled", "true for outputProfile api (it exports the ALB and WAF)");
    if (!c.wafEnabled) add("wafEnabled", "true for outputProfile api (it exports the web ACL ARN)");
    if (c.deploymentStrategy !== "blue-green") {
      add(
        "deploymentStrategy",
        "blue-green for outputProfile api (it exports the blue and green target groups)",
      );
    }
    if (c.databaseEngine !== "aurora-mysql") {
      add("databaseEngine", "aurora-mysql for outputProfile api (it exports cluster and reader endpoints)");
    }
  }
  return problems;
}

/** The hosted zone that holds the API's records: hostedZoneName, else apiDomainName without its first label. */
export function apiHostedZoneName(
  c: Pick<StackConfig, "apiDomainName" | "hostedZoneName">,
): string | undefined {
  if (c.apiDomainName === undefined) return undefined;
  return c.hostedZoneName ?? c.apiDomainName.slice(c.apiDomainName.indexOf(".") + 1);
}

/** An internet-facing ALB serves HTTPS (certificate ARN or domain) unless the loud opt-out is set. */
function checkHttps(c: StackConfig, add: (property: keyof Spec, rule: string) => void): void {
  if (!c.albEnabled) {
    if (c.apiDomainName !== undefined) add("apiDomainName", "unset unless albEnabled is true");
    return;
  }
  const https = c.certificateArn !== undefined || c.apiDomainName !== undefined;
  if (!https && !c.allowPlainHttpInsecure) {
    add(
      "apiDomainName",
      "set when albEnabled is true: the internet-facing ALB serves HTTPS only. Set fastcart-orders:apiDomainName to a domain " +
        "whose public hosted zone is in this account (zone: fastcart-orders:hostedZoneName, default the domain minus its first label), " +
        "or fastcart-orders:certificateArn to an ACM certificate; plain HTTP only with fastcart-orders:allowPlainHttpInsecure: true",
    );
  }
  if (c.certificateArn !== undefined && c.apiDomainName !== undefined) {
    add("apiDomainName", "unset when certificateArn is set (one source for the listener's certificate)");
  }
  if (https && c.allowPlainHttpInsecure) {
    add("allowPlainHttpInsecure", "false when certificateArn or apiDomainName is set (the ALB serves HTTPS)");
  }
  if (c.hostedZoneName !== undefined && c.apiDomainName === undefined) {
    add("hostedZoneName", "unset unless apiDomainName is set");
  }
  const zone = apiHostedZoneName(c);
  if (zone !== undefined && c.apiDomainName !== zone && !c.apiDomainName!.endsWith(`.${zone}`)) {
    add("hostedZoneName", `a zone that contains apiDomainName ${c.apiDomainName}`);
  }
}
