/**
 * Pulumi mock harness for the infra unit tests: installs `pulumi.runtime.setMocks`, records every
 * resource registration (type, name, inputs as the provider would receive them) and answers the data
 * sources the program calls. The Pulumi runtime is process-global, so each test file installs it once
 * (node --test runs every file in its own process).
 *
 * Computed outputs (ARNs, endpoints, ids) are synthesised per type so that values flowing from one
 * resource into another are realistic strings the tests can follow.
 */
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";

export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: inputs are arbitrary provider-shaped JSON under test
  readonly inputs: Record<string, any>;
  readonly id: string;
}

interface RegistrationRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
}

export interface CapturedCall {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

const SERVICE_OF: Record<string, string> = { cloudwatch: "logs" };

function synthesize(type: string, name: string, inputs: Record<string, unknown>, region: string) {
  const physical = String(inputs["name"] ?? name);
  const [, module = "", kindToken = ""] = /^aws:([a-z0-9]+)\/([a-zA-Z0-9]+):/.exec(type) ?? [];
  const account = MOCK_ACCOUNT_ID;
  const state: Record<string, unknown> = {
    arn: `arn:aws:${SERVICE_OF[module] ?? module}:${region}:${account}:${kindToken.toLowerCase()}/${physical}`,
  };
  switch (type) {
    case "aws:kms/key:Key":
      state["keyId"] = `key-${name}`;
      state["arn"] = `arn:aws:kms:${region}:${account}:key/key-${name}`;
      break;
    case "aws:kms/alias:Alias":
      state["arn"] = `arn:aws:kms:${region}:${account}:${physical}`;
      break;
    case "aws:iam/role:Role":
      state["arn"] = `arn:aws:iam::${account}:role/${physical}`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      state["arn"] = `arn:aws:logs:${region}:${account}:log-group:${physical}`;
      break;
    case "aws:secretsmanager/secret:Secret":
      state["arn"] = `arn:aws:secretsmanager:${region}:${account}:secret:${physical}-AbCdEf`;
      break;
    case "aws:ssm/parameter:Parameter":
      state["arn"] = `arn:aws:ssm:${region}:${account}:parameter${physical}`;
      break;
    case "aws:kinesis/stream:Stream":
      state["arn"] = `arn:aws:kinesis:${region}:${account}:stream/${physical}`;
      break;
    case "aws:ecr/repository:Repository":
      state["repositoryUrl"] = `${account}.dkr.ecr.${region}.amazonaws.com/${physical}`;
      state["arn"] = `arn:aws:ecr:${region}:${account}:repository/${physical}`;
      break;
    case "aws:ecs/cluster:Cluster":
      state["arn"] = `arn:aws:ecs:${region}:${account}:cluster/${physical}`;
      break;
    case "aws:ecs/service:Service":
      state["arn"] = `arn:aws:ecs:${region}:${account}:service/cluster/${physical}`;
      break;
    case "aws:ecs/taskDefinition:TaskDefinition":
      state["arn"] = `arn:aws:ecs:${region}:${account}:task-definition/${String(inputs["family"])}:1`;
      break;
    case "aws:rds/instance:Instance": {
      const address = `${String(inputs["identifier"])}.c0abc.${region}.rds.amazonaws.com`;
      state["address"] = address;
      state["endpoint"] = `${address}:5432`;
      state["masterUserSecrets"] = [
        {
          secretArn: `arn:aws:secretsmanager:${region}:${account}:secret:rds!db-${name}-Xy12Zq`,
          kmsKeyId: inputs["masterUserSecretKmsKeyId"],
          secretStatus: "active",
        },
      ];
      break;
    }
    case "aws:rds/cluster:Cluster": {
      const id = String(inputs["clusterIdentifier"]);
      state["endpoint"] = `${id}.cluster-c0abc.${region}.rds.amazonaws.com`;
      state["readerEndpoint"] = `${id}.cluster-ro-c0abc.${region}.rds.amazonaws.com`;
      state["masterUserSecrets"] = [
        {
          secretArn: `arn:aws:secretsmanager:${region}:${account}:secret:rds!cluster-${name}-Xy12Zq`,
          kmsKeyId: inputs["masterUserSecretKmsKeyId"],
          secretStatus: "active",
        },
      ];
      break;
    }
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      state["primaryEndpointAddress"] =
        `master.${String(inputs["replicationGroupId"])}.abc123.euc1.cache.amazonaws.com`;
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      state["dnsName"] = `${physical}-1234567890.${region}.elb.amazonaws.com`;
      state["arnSuffix"] = `app/${physical}/50dc6c495c0c9188`;
      state["arn"] =
        `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${physical}/50dc6c495c0c9188`;
      break;
    case "aws:lb/targetGroup:TargetGroup":
      state["arn"] =
        `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${physical}/73e2d6bc24d8a067`;
      break;
    case "aws:lb/listener:Listener":
      state["arn"] = `arn:aws:elasticloadbalancing:${region}:${account}:listener/app/alb/50dc/${name}`;
      break;
    case "aws:lb/listenerRule:ListenerRule":
      state["arn"] = `arn:aws:elasticloadbalancing:${region}:${account}:listener-rule/app/alb/50dc/${name}`;
      break;
    case "random:index/randomPassword:RandomPassword":
      state["result"] = `mock-random-${name}`;
      break;
  }
  return state;
}

export interface MockHarness {
  readonly resources: CapturedResource[];
  readonly calls: CapturedCall[];
  /** Every captured resource of a type token, e.g. `aws:ec2/subnet:Subnet`. */
  ofType(type: string): CapturedResource[];
  /** The single resource of a type (optionally with that logical name); throws if not exactly one. */
  one(type: string, name?: string): CapturedResource;
  /** Type token of the resource's parent (e.g. `fastcart:components:Network`); undefined at stack level. */
  parentType(resource: CapturedResource): string | undefined;
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
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const id = `${args.name}-id`;
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, id });
        return { id, state: { ...args.inputs, ...synthesize(args.type, args.name, args.inputs, region) } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        calls.push({ token: args.token, inputs: args.inputs });
        const letters = ["a", "b", "c"];
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: MOCK_ACCOUNT_ID,
              arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/test`,
              userId: "AIDTEST",
            };
          case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
              names: letters.map((l) => `${region}${l}`),
              zoneIds: letters.map((_, i) => `zone-${i + 1}`),
              id: region,
            };
          default:
            throw new Error(`unmocked call ${args.token}`);
        }
      },
    },
    project,
    stack,
    false,
  );
  // The mocks' newResource does not see the parent; the registration request the monitor receives does.
  const parents = new Map<string, string>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: RegistrationRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    parents.set(`${request.getType()}::${request.getName()}`, request.getParent());
    return register(request, callback);
  };
  const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };
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
    one(type, name) {
      const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
      if (found.length !== 1) {
        throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
      }
      return found[0]!;
    },
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
