/**
 * The deployed stack's outputs: from `pulumi stack output --json --show-secrets` when the Pulumi CLI is
 * on PATH (and no file was named), else from a flat outputs file — `cfn-outputs/flat-outputs.json`, the
 * file CloudFormation-style integration suites read: one JSON object, output key → value, where a list may be
 * a JSON array, a JSON-encoded array string or a comma-separated string.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

export const DEFAULT_OUTPUTS_FILE = "cfn-outputs/flat-outputs.json";

export class OutputsError extends Error {
  override name = "OutputsError";
}

/** Output key → value, with typed accessors that name the key when a value is missing or malformed. */
export class StackOutputs {
  constructor(
    readonly values: Readonly<Record<string, unknown>>,
    /** Where they came from, for messages: a file path or `pulumi stack output`. */
    readonly source: string,
  ) {}

  has(key: string): boolean {
    const value = this.values[key];
    return value !== undefined && value !== null && value !== "";
  }

  text(key: string): string {
    const value = this.values[key];
    if (typeof value === "number") return String(value);
    if (typeof value !== "string" || value === "") {
      throw new OutputsError(`output ${key} is missing from ${this.source}`);
    }
    return value;
  }

  list(key: string): string[] {
    const value = this.values[key];
    if (Array.isArray(value)) return value.map(String);
    const text = this.text(key).trim();
    if (text.startsWith("[")) {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    }
    return text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }
}

/** Parses a flat outputs document; the error names the file and what is wrong with it. */
export function parseOutputsFile(text: string, source: string): StackOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OutputsError(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new OutputsError(`${source} must be one JSON object (output key → value)`);
  }
  return new StackOutputs(parsed as Record<string, unknown>, source);
}

export function readOutputsFile(file: string): StackOutputs {
  if (!existsSync(file)) throw new OutputsError(`outputs file ${file} does not exist`);
  return parseOutputsFile(readFileSync(file, "utf8"), file);
}

/** True when an executable `pulumi` is on PATH. */
export function pulumiOnPath(path = process.env["PATH"] ?? ""): boolean {
  return path.split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, "pulumi")));
}

/** `pulumi stack output --json --show-secrets --stack <stack>`, run in the program's directory. */
export async function readPulumiOutputs(stack: string, programDir: string): Promise<StackOutputs> {
  const source = `pulumi stack output --stack ${stack}`;
  try {
    const { stdout } = await promisify(execFile)(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", stack],
      { cwd: programDir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return parseOutputsFile(stdout, source);
  } catch (error) {
    if (error instanceof OutputsError) throw error;
    const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
    const reason = stderr.split("\n").at(-1) || (error as Error).message;
    throw new OutputsError(`${source} failed: ${reason}`);
  }
}
