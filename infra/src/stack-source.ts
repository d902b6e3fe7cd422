/**
 * Stack configuration read straight from `Pulumi.<stack>.yaml`, for tests that run without the Pulumi
 * CLI or engine. (`loadStackConfig()` without arguments reads the engine's config instead.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type ConfigReader, loadStackConfig, type StackConfig, splitConfigKey } from "./config.js";

/** Directory holding Pulumi.yaml and the Pulumi.<stack>.yaml files (infra/). */
export const INFRA_DIR = join(import.meta.dirname, "..");

/**
 * Reads `Pulumi.<stack>.yaml` (its `config:` map) without the CLI. Scalars become strings as
 * `pulumi config get` prints them; encrypted (`secure:`) values cannot be read offline and are refused.
 */
export function stackFileReader(stackName: string, dir: string = INFRA_DIR): ConfigReader {
  const file = join(dir, `Pulumi.${stackName}.yaml`);
  const document = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const entries = document?.config ?? {};
  return (key) => {
    const [namespace, name] = splitConfigKey(key);
    const value = entries[`${namespace}:${name}`];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "object") {
      throw new Error(
        `${file}: ${namespace}:${name} is not a plain value (secure or structured values are not read offline)`,
      );
    }
    return String(value);
  };
}

/** The validated config of a stack file, e.g. `loadStackConfigFromFile("fastcart-dev")`. */
export function loadStackConfigFromFile(stackName: string, dir: string = INFRA_DIR): StackConfig {
  return loadStackConfig(stackFileReader(stackName, dir), stackName);
}
