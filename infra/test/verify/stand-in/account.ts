/**
 * The AWS account the stand-in pretends to be: the plan's resources as if `pulumi up` had created them
 * exactly as planned (ids, ARNs and endpoints from the plan's own mocks, so they match the plan's
 * outputs), plus what only a running system has (target health, task addresses). Drift fixtures edit
 * this state the way a console change would.
 */
import { createPlanMocks, PLAN_ACCOUNT_ID } from "../../../src/plan/mocks.js";
import type { Plan } from "../../../src/plan/types.js";

export interface DeployedResource {
  readonly type: string;
  readonly name: string;
  /** The plan's inputs, copied: fixtures may change them. */
  inputs: Record<string, unknown>;
  /** What AWS would have computed: `id`, `arn`, endpoints. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

export class StandInAccount {
  readonly accountId: string;
  readonly resources: DeployedResource[];
  /** Target group name → health state of its registered targets (default: two healthy targets). */
  readonly targetHealth = new Map<string, string>();
  /** Service name → running tasks (default: the desired count). */
  readonly runningCount = new Map<string, number>();
  /** Exit code the one-off smoke task's container reports, and the commands it was started with. */
  smokeTaskExitCode = 0;
  readonly startedTasks: { taskDefinition: string; command: string[] }[] = [];
  /** `service:Operation` → how many more calls to refuse with a throttling error (AWS's "slow down"). */
  readonly throttle = new Map<string, number>();
  /** `service:Operation` → milliseconds to wait before answering (a slow or hung endpoint). */
  readonly delayMs = new Map<string, number>();

  /**
   * `liveIds` replaces plan identifiers everywhere in the account (plan id → id AWS gave it), so the
   * account can look like a real deployment: another account id, other key and VPC ids.
   */
  constructor(
    plan: Plan,
    readonly region: string,
    readonly liveIds: Readonly<Record<string, string>> = {},
  ) {
    this.accountId = liveIds[PLAN_ACCOUNT_ID] ?? PLAN_ACCOUNT_ID;
    const mocks = createPlanMocks(region);
    this.resources = plan.resources
      .filter((resource) => resource.custom)
      .map((resource) => {
        const inputs = structuredClone(resource.inputs) as Record<string, unknown>;
        const created = mocks.newResource({
          type: resource.type,
          name: resource.name,
          inputs,
          custom: true,
        }) as {
          id: string;
          state: Record<string, unknown>;
        };
        return {
          type: resource.type,
          name: resource.name,
          inputs: relabel(inputs, liveIds),
          attributes: relabel({ ...created.state, id: created.id }, liveIds),
        };
      });
  }

  all(type: string): DeployedResource[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  /** The resource of `type` whose `key` input (or attribute) is `value`. */
  find(type: string, key: string, value: unknown): DeployedResource | undefined {
    return this.all(type).find((r) => r.inputs[key] === value || r.attributes[key] === value);
  }

  /** The only resource of `type`; fixtures use it to drift one setting. */
  one(type: string): DeployedResource {
    const found = this.all(type);
    if (found.length !== 1) throw new Error(`stand-in: ${found.length} resources of ${type}`);
    return found[0] as DeployedResource;
  }

  /** Removes a resource, as if someone deleted it in the console. */
  remove(resource: DeployedResource): void {
    this.resources.splice(this.resources.indexOf(resource), 1);
  }
}

/** `value` with every plan identifier in `liveIds` replaced by its live counterpart. */
export function relabel<T>(value: T, liveIds: Readonly<Record<string, string>>): T {
  let text = JSON.stringify(value);
  for (const [plan, live] of Object.entries(liveIds)) text = text.split(plan).join(live);
  return JSON.parse(text) as T;
}

/** `tags` input → EC2's `tagSet` / the other APIs' `Tags`. */
export function tagList(inputs: Record<string, unknown>): { key: string; value: string }[] {
  return Object.entries((inputs["tags"] as Record<string, string> | undefined) ?? {}).map(([key, value]) => ({
    key,
    value,
  }));
}
