import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The directory that holds Pulumi.yaml and the Pulumi.<stack>.yaml files. */
export const INFRA_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** What the Pulumi CLI would hand the program for one stack, read from the YAML files alone. */
export interface StackSettings {
  readonly project: string;
  readonly stack: string;
  /** Fully qualified keys (`project:key`, `aws:region`) → string values, as the language host passes them. */
  readonly config: Readonly<Record<string, string>>;
  /** Keys whose value is `secure:` in the stack file. Their values are placeholders, see {@link secretPlaceholder}. */
  readonly secretKeys: readonly string[];
}

/**
 * Offline there is no passphrase or KMS key to decrypt `secure:` values, and the plan must never hold a
 * real secret anyway: each one gets a recognisable stand-in that is marked secret, so the redaction can be
 * tested by looking for exactly this text.
 */
export function secretPlaceholder(key: string): string {
  return `plan-secret-value-of-${key}`;
}

const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;

/** Stack names that have a Pulumi.<stack>.yaml (or .yml) next to Pulumi.yaml, sorted. */
export function knownStacks(dir: string = INFRA_DIR): string[] {
  return readdirSync(dir)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

function stackFileName(dir: string, stack: string): string {
  return readdirSync(dir).find((file) => STACK_FILE.exec(file)?.[1] === stack) as string;
}

/** Reads Pulumi.yaml and Pulumi.<stack>.yaml; an unknown stack fails with the list of known ones. */
export function readStackSettings(stack: string, dir: string = INFRA_DIR): StackSettings {
  const stacks = knownStacks(dir);
  if (!stacks.includes(stack)) {
    throw new Error(
      `Unknown stack "${stack}": there is no ${join(dir, `Pulumi.${stack}.yaml`)}. Known stacks: ${stacks.join(", ") || "(none)"}.`,
    );
  }
  const projectFile = readYaml(join(dir, "Pulumi.yaml"));
  const project = projectFile["name"];
  if (typeof project !== "string" || project === "") {
    throw new Error(`${join(dir, "Pulumi.yaml")}: "name" must be the project name.`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  // Project-level values and defaults first, so the stack file overrides them, as the CLI does.
  for (const [key, declared] of Object.entries(asRecord(projectFile["config"]))) {
    const value = isRecord(declared) ? (declared["value"] ?? declared["default"]) : declared;
    if (value !== undefined) config[qualify(key, project)] = render(value);
  }
  const stackFile = readYaml(join(dir, stackFileName(dir, stack)));
  for (const [key, value] of Object.entries(asRecord(stackFile["config"]))) {
    const qualified = qualify(key, project);
    if (isRecord(value) && typeof value["secure"] === "string") {
      config[qualified] = secretPlaceholder(qualified);
      secretKeys.push(qualified);
    } else {
      config[qualified] = render(value);
    }
  }
  return { project, stack, config, secretKeys };
}

function readYaml(file: string): Record<string, unknown> {
  const parsed: unknown = parse(readFileSync(file, "utf8"));
  if (!isRecord(parsed)) throw new Error(`${file}: expected a YAML mapping at the top level.`);
  return parsed;
}

/** `key` in a stack file means `project:key`, as `pulumi config set key` writes it. */
function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** The language host passes every value as a string; structured values as JSON (what `config.requireObject` parses). */
function render(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
