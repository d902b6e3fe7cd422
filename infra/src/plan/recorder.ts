import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb.js";
import { collectStrings, fromWire } from "./redact.js";
import type { PlanResource } from "./types.js";

type Callback = (error: Error | null, response?: RegisterResourceResponse) => void;
interface MockMonitorLike {
  registerResource(request: RegisterResourceRequest, callback: Callback): Promise<void> | void;
}

/** A struct field of the wire form (`google.protobuf.Struct`), read and written as plain JSON. */
interface JsonStruct {
  toJavaScript(): Record<string, unknown>;
}

/**
 * Records every resource registration the program makes, with what the mocks' `newResource` does not
 * see: the parent, the dependencies (explicit and through inputs) and the provider. It wraps the mock
 * monitor's `registerResource`, i.e. it reads the same request the Pulumi engine would receive.
 */
export class RegistrationRecorder {
  /** In completion order of the registrations; sorted into registration order by {@link resources}. */
  private readonly recorded: { order: number; resource: PlanResource }[] = [];
  private started = 0;
  private answered = 0;
  /** Plaintexts of generated secrets (`additionalSecretOutputs`), for the leak check over the finished plan. */
  readonly secretsSeen = new Set<string>();
  /** Registrations the monitor refused (a mock that threw, say), as "type name: message". */
  readonly failures: string[] = [];

  constructor(private readonly onProgress: (registered: number) => void = () => {}) {}

  /** Wraps the monitor installed by `pulumi.runtime.setMocks`; call right after it. */
  attach(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike | undefined;
    if (monitor === undefined)
      throw new Error("No resource monitor: call pulumi.runtime.setMocks before attach().");
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
      const order = this.started++;
      return register(request, (error, response) => {
        this.answered++;
        if (error) {
          this.failures.push(`${request.getType()} ${request.getName()}: ${error.message}`);
        } else if (response !== undefined) {
          if (this.recorded.some((entry) => entry.resource.urn === response.getUrn())) {
            // The engine refuses a second resource with the same URN; the mock monitor does not.
            this.failures.push(
              `${request.getType()} ${request.getName()}: duplicate URN ${response.getUrn()}`,
            );
          }
          markAdditionalSecretOutputs(response, request.getAdditionalsecretoutputsList(), this.secretsSeen);
          this.recorded.push({ order, resource: this.toPlanResource(request, response.getUrn()) });
          this.onProgress(this.recorded.length);
        }
        callback(error, response);
      });
    };
  }

  /** Registrations sent to the monitor that have not been answered yet. */
  get pending(): number {
    return this.started - this.answered;
  }

  /** Resources in the order the program registered them (stable across runs, unlike completion order). */
  resources(): PlanResource[] {
    return [...this.recorded].sort((a, b) => a.order - b.order).map((entry) => entry.resource);
  }

  private toPlanResource(request: RegisterResourceRequest, urn: string): PlanResource {
    const propertyDependencies: Record<string, string[]> = {};
    request.getPropertydependenciesMap().forEach((dependencies, property) => {
      const urns = dependencies.getUrnsList();
      if (urns.length > 0) propertyDependencies[property] = [...urns].sort();
    });
    const object = request.getObject() as JsonStruct | undefined;
    return {
      urn,
      type: request.getType(),
      name: request.getName(),
      parent: request.getParent() || null,
      dependsOn: [...new Set(request.getDependenciesList())].sort(),
      propertyDependencies,
      // A provider reference is "<urn>::<id>"; the URN is what links it to the graph.
      provider: request.getProvider().replace(/::[^:]*$/, "") || null,
      custom: request.getCustom(),
      inputs: fromWire(object?.toJavaScript() ?? {}) as Record<string, unknown>,
    };
  }
}

/**
 * The engine marks a resource's `additionalSecretOutputs` (generated passwords, auth tokens) secret in its
 * answer; the mock monitor does not, so do it here — otherwise a value such as a RandomPassword's result
 * would flow into other resources' inputs unmarked.
 */
function markAdditionalSecretOutputs(
  response: RegisterResourceResponse,
  names: readonly string[],
  secretsSeen: Set<string>,
): void {
  const object = response.getObject() as (JsonStruct & object) | undefined;
  if (names.length === 0 || object === undefined) return;
  const state = object.toJavaScript();
  for (const name of names.filter((candidate) => candidate in state)) {
    collectStrings(pulumi.runtime.unwrapRpcSecret(state[name]), secretsSeen);
    if (!pulumi.runtime.isRpcSecret(state[name])) {
      state[name] = { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: state[name] };
    }
  }
  response.setObject(
    structFromJavaScript(object, state) as ReturnType<RegisterResourceResponse["getObject"]>,
  );
}

/**
 * Builds a new Struct through the class of the one the mock produced, so this module uses the exact
 * google-protobuf instance @pulumi/pulumi loaded (a second copy's Struct would not serialize here).
 */
function structFromJavaScript(like: object, value: Record<string, unknown>): JsonStruct {
  return (
    like.constructor as unknown as { fromJavaScript(value: Record<string, unknown>): JsonStruct }
  ).fromJavaScript(value);
}
