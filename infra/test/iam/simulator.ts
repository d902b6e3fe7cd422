/**
 * One AWS request evaluated by @cloud-copilot/iam-simulate (AGPL-3.0, a test-only devDependency of
 * infra: it never reaches the image) against the policies the plan gives the caller and the resource.
 *
 * Strict: a request the engine refuses to evaluate (an unknown action, an ARN of the wrong resource
 * type, an invalid policy) or a context key it would silently drop fails the test instead of counting
 * as a denial, so a typo in the call list can never pass as "denied as expected".
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";

export type Context = Record<string, string | string[]>;

export interface AwsRequest {
  /** A role ARN, a service principal (`logs.eu-central-1.amazonaws.com`) or an account root ARN. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Context keys AWS sets on this request (kms:ViaService, aws:SourceAccount, …). */
  readonly context?: Context;
}

export interface NamedPolicy {
  readonly name: string;
  readonly document: unknown;
}

export interface PolicyInputs {
  /** Policies of the calling principal (none for a service principal). */
  readonly identity: readonly NamedPolicy[];
  /** The resource's policy: a key policy, a trust policy, a bucket policy… */
  readonly resource?: unknown;
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/**
 * KMS encryption-context keys are named `kms:EncryptionContext:<context key>`; iam-simulate matches a
 * variable part only after a `/` (`aws:PrincipalTag/<key>`), so it would drop these from the request
 * and the statement's condition would fail as "missing". Requests and policies are evaluated with such
 * keys renamed to `aws:RequestTag/kms:EncryptionContext:<context key>`: a string key the engine carries,
 * compared with exactly the same operators and values.
 */
const ENCRYPTION_CONTEXT = /^kms:encryptioncontext:(?!keys$)/i;
const carried = (key: string) => (ENCRYPTION_CONTEXT.test(key) ? `aws:RequestTag/${key}` : key);

function renameConditionKeys(document: unknown): unknown {
  if (Array.isArray(document)) return document.map(renameConditionKeys);
  if (typeof document !== "object" || document === null) return document;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === "Condition" && typeof value === "object" && value !== null) {
      copy[key] = Object.fromEntries(
        Object.entries(value).map(([operator, keys]) => [
          operator,
          Object.fromEntries(
            Object.entries(keys as Record<string, unknown>).map(([k, v]) => [carried(k), v]),
          ),
        ]),
      );
    } else {
      copy[key] = renameConditionKeys(value);
    }
  }
  return copy;
}

/** `arn:aws:s3:::bucket/key` has no account: the bucket belongs to the plan's account. */
function accountOf(resource: string, fallback: string): string {
  const account = resource.split(":")[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : fallback;
}

export async function evaluate(
  request: AwsRequest,
  policies: PolicyInputs,
  ownerAccount: string,
): Promise<Decision> {
  const context = Object.fromEntries(Object.entries(request.context ?? {}).map(([k, v]) => [carried(k), v]));
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: accountOf(request.resource, ownerAccount) },
      contextVariables: context,
    },
    identityPolicies: policies.identity.map((policy) => ({
      name: policy.name,
      policy: renameConditionKeys(policy.document),
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(policies.resource === undefined ? {} : { resourcePolicy: renameConditionKeys(policies.resource) }),
  };
  const answer = await runSimulation(simulation, {});
  const what = `${request.principal} ${request.action} on ${request.resource}`;
  if (answer.resultType === "error") {
    throw new Error(`iam-simulate refused ${what}: ${JSON.stringify(answer.errors)}`);
  }
  if (answer.resultType !== "single") {
    throw new Error(`${what}: name one resource, not a pattern (${answer.resultType})`);
  }
  const dropped = answer.result.ignoredContextKeys ?? [];
  if (dropped.length > 0) {
    throw new Error(
      `${what}: context keys ${dropped.join(", ")} do not apply to this action (fix the call list)`,
    );
  }
  return answer.overallResult as Decision;
}
