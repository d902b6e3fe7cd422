/**
 * Typed stack configuration: loading and validation on top of the spec table (config-spec.ts).
 *
 * `loadStackConfig(read, stackName)` turns raw strings into a `StackConfig`, reporting every bad key at
 * once with the key name and the rule it broke, then the rules that span keys (config-cross-keys.ts); it
 * needs no Pulumi runtime, so tests, the offline plan tool and `index.ts` share it.
 */
import * as pulumi from "@pulumi/pulumi";
import { crossKeyProblems } from "./config-cross-keys.js";
import { type ConfigKeySpec, type Spec, STACK_CONFIG_SPEC } from "./config-spec.js";
import { PROJECT_NAME } from "./naming.js";

export { apiHostedZoneName } from "./config-cross-keys.js";
export * from "./config-spec.js";

type ValueOf<S> = S extends ConfigKeySpec<infer T> ? T : never;

/** The parsed configuration of one stack. */
export type StackConfig = { readonly [K in keyof Spec]: ValueOf<Spec[K]> } & {
  /** Pulumi stack name (the Stack tag). */
  readonly stackName: string;
};

/** One bad key. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: string | undefined;
  readonly rule: string;
}

export class StackConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `stack ${stackName}: invalid configuration\n` +
        problems
          .map(
            (p) =>
              `  - ${p.key} = ${p.value === undefined ? "(unset)" : JSON.stringify(p.value)}: must be ${p.rule}`,
          )
          .join("\n"),
    );
    this.name = "StackConfigError";
  }
}

/** Reads one raw value by its spec key (`environmentSuffix`, `aws:region`); undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

/** Splits a spec key into namespace and name: `aws:region` → [aws, region]; bare → project namespace. */
export function splitConfigKey(key: string): [namespace: string, name: string] {
  const colon = key.indexOf(":");
  return colon < 0 ? [PROJECT_NAME, key] : [key.slice(0, colon), key.slice(colon + 1)];
}

/** Reads through `new pulumi.Config(namespace)`: what `pulumi up`/`preview` (and `setAllConfig`) provide. */
export function pulumiConfigReader(): ConfigReader {
  return (key) => {
    const [namespace, name] = splitConfigKey(key);
    return new pulumi.Config(namespace).get(name);
  };
}

/**
 * Parses and validates every key, then the rules that span keys; throws all problems at once.
 * Without arguments it reads the running Pulumi program's config and stack name.
 */
export function loadStackConfig(
  read: ConfigReader = pulumiConfigReader(),
  stackName: string = pulumi.getStack(),
): StackConfig {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = { stackName };
  for (const [property, spec] of Object.entries(STACK_CONFIG_SPEC) as [string, ConfigKeySpec<unknown>][]) {
    const raw = read(spec.key);
    if (raw === undefined) {
      if (spec.required)
        problems.push({ key: spec.key, value: undefined, rule: `set (required): ${spec.rule}` });
      else values[property] = spec.default === undefined ? undefined : spec.parse(spec.default);
      continue;
    }
    try {
      values[property] = spec.parse(raw);
    } catch (error) {
      problems.push({ key: spec.key, value: raw, rule: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new StackConfigError(stackName, problems);
  const config = values as StackConfig;
  const crossProblems = crossKeyProblems(config);
  if (crossProblems.length > 0) throw new StackConfigError(stackName, crossProblems);
  return config;
}
