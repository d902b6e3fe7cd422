/**
 * Pulumi mock harness for the infra unit tests: installs the repository's one AWS mock provider
 * (`src/plan/mocks.ts`, the offline plan's) through `pulumi.runtime.setMocks`, and records every
 * resource registration (type, name, inputs as the provider would receive them, the id it got) and every
 * data-source call. So ids, ARNs and endpoints in a test are exactly the ones a plan shows. The Pulumi
 * runtime is process-global, so each test file installs it once (node --test runs every file in its own
 * process).
 */
import * as pulumi from "@pulumi/pulumi";
import { createPlanMocks, PLAN_ACCOUNT_ID } from "../../src/plan/mocks.js";

export const MOCK_ACCOUNT_ID = PLAN_ACCOUNT_ID;

export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: inputs are arbitrary provider-shaped JSON under test
  readonly inputs: Record<string, any>;
  readonly id: string;
  /** What the mock provider answered: inputs plus the computed outputs (arn, endpoints…). */
  // biome-ignore lint/suspicious/noExplicitAny: provider-shaped JSON under test
  readonly state: Record<string, any>;
}

interface RegistrationRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
}

export interface CapturedCall {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

export interface MockHarness {
  readonly resources: CapturedResource[];
  readonly calls: CapturedCall[];
  /** Every captured resource of a type token, e.g. `aws:ec2/subnet:Subnet`. */
  ofType(type: string): CapturedResource[];
  /** The single resource of a type (optionally with that logical name); throws if not exactly one. */
  one(type: string, name?: string): CapturedResource;
  /** The id the mock provider gave the single resource of that type and logical name. */
  idOf(type: string, name: string): string;
  /** The ARN the mock provider gave it (what a resource referring to it receives). */
  arnOf(type: string, name: string): string;
  /** Type token of the resource's parent (e.g. `fastcart:components:Network`); undefined at stack level. */
  parentType(resource: CapturedResource): string | undefined;
  /** URNs the resource was registered to depend on (dependsOn and the inputs' sources). */
  dependenciesOf(type: string, name: string): string[];
  /** The resource option `ignoreChanges` it was registered with (input names Pulumi leaves alone). */
  ignoreChangesOf(type: string, name: string): string[];
  /** Waits until every registration the program started has been answered. */
  settle(): Promise<void>;
}

/** Installs the mocks; `region` answers data sources and shapes ARNs. */
export async function installMocks(
  region: string,
  stack = "unit",
  project = "fastcart-orders",
): Promise<MockHarness> {
  const resources: CapturedResource[] = [];
  const calls: CapturedCall[] = [];
  const provider = createPlanMocks(region);
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const answer = provider.newResource(args) as { id: string; state: Record<string, unknown> };
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, ...answer });
        return answer;
      },
      call(args: pulumi.runtime.MockCallArgs) {
        calls.push({ token: args.token, inputs: args.inputs });
        return provider.call(args);
      },
    },
    project,
    stack,
    false,
  );
  // The mocks' newResource does not see the parent; the registration request the monitor receives does.
  const parents = new Map<string, string>();
  const dependencies = new Map<string, string[]>();
  const ignoredChanges = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: RegistrationRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    parents.set(`${request.getType()}::${request.getName()}`, request.getParent());
    dependencies.set(`${request.getType()}::${request.getName()}`, request.getDependenciesList());
    ignoredChanges.set(`${request.getType()}::${request.getName()}`, request.getIgnorechangesList());
    return register(request, callback);
  };
  const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };
  const one = (type: string, name?: string): CapturedResource => {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) {
      throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    }
    return found[0]!;
  };
  return {
    resources,
    calls,
    parentType(resource) {
      const urn = parents.get(`${resource.type}::${resource.name}`);
      if (!urn) return undefined;
      // urn:pulumi:<stack>::<project>::<ancestor types joined by $>::<name>: the last type is the parent's.
      return urn.split("::")[2]?.split("$").at(-1);
    },
    ofType: (type) => resources.filter((r) => r.type === type),
    dependenciesOf: (type, name) => dependencies.get(`${type}::${name}`) ?? [],
    ignoreChangesOf(type, name) {
      const ignored = ignoredChanges.get(`${type}::${name}`);
      if (ignored === undefined) throw new Error(`${type} ${name} was never registered`);
      return ignored;
    },
    idOf: (type, name) => one(type, name).id,
    arnOf: (type, name) => String(one(type, name).state["arn"]),
    one,
    async settle() {
      let before = -1;
      while (before !== resources.length) {
        before = resources.length;
        await runtime.waitForRPCs();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** Resolves an Output (or plain value) to its value. */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((done) => {
    pulumi.output(value).apply((v) => {
      done(v as T);
      return v;
    });
  });
}

/** Parses a JSON string input (policies, container definitions, dashboard bodies). */
// biome-ignore lint/suspicious/noExplicitAny: JSON documents are untyped by nature
export function json(value: unknown): any {
  if (typeof value !== "string") throw new Error(`expected a JSON string, got ${typeof value}`);
  return JSON.parse(value);
}

/** Pulumi's marker for a secret value inside resource inputs. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** `{secret, value}` of an input: secret inputs arrive wrapped in Pulumi's secret marker. */
export function unwrapSecret(input: unknown): { secret: boolean; value: unknown } {
  if (
    typeof input === "object" &&
    input !== null &&
    (input as Record<string, unknown>)[SECRET_SIGNATURE] === SECRET_SIGNATURE_VALUE
  ) {
    return { secret: true, value: (input as Record<string, unknown>)["value"] };
  }
  return { secret: false, value: input };
}
