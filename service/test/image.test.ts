/**
 * What the container image runs, tested without a Docker engine: compile the production bundle the
 * Dockerfile copies (`npm run build` → dist/), check that it needs nothing outside the production
 * dependencies, lay it out as the image does (the deps stage's `npm ci --workspace service
 * --omit=dev`, with /app/node_modules beside /app/service/node_modules), and start it there with the
 * image's command lines (`fastcart migrate`, `fastcart serve`, `fastcart work`) and the environment
 * shape the ECS task definitions give it (DB_* parts, not a URL). Run from the checkout instead, the
 * roles would find the dev install's packages, and a package the image lacks would go unnoticed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createKinesisClient, ensureStream } from "../src/modes/stream/kinesis-client.js";
import { freePort } from "../tools/local/embedded-postgres.js";
import { type LocalKinesis, startLocalKinesis } from "../tools/local/kinesalite.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

const run = promisify(execFile);
const serviceDir = fileURLToPath(new URL("..", import.meta.url));
const distDir = join(serviceDir, "dist");
const repositoryDir = dirname(serviceDir.replace(/\/$/, ""));

/**
 * The image's /app, built as service/Dockerfile's deps and runtime stages build it; returns the
 * runtime's working directory (/app/service). Keep the two in step.
 */
async function assembleImageTree(): Promise<{ workdir: string; remove(): Promise<void> }> {
  const app = await mkdtemp(join(tmpdir(), "fastcart-image-"));
  for (const file of ["package.json", "package-lock.json", "service/package.json", "infra/package.json"]) {
    await cp(join(repositoryDir, file), join(app, file));
  }
  // What the deps stage runs; the cache the checkout's own install filled serves it.
  await run(
    "npm",
    [
      "ci",
      "--workspace",
      "service",
      "--omit=dev",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
    ],
    { cwd: app },
  );
  await rm(join(app, "node_modules", "@fastcart"), { recursive: true, force: true });
  await rm(join(app, "node_modules", ".package-lock.json"), { force: true });
  await mkdir(join(app, "service", "node_modules"), { recursive: true });
  // What the runtime stage copies beside them.
  await cp(distDir, join(app, "service", "dist"), { recursive: true });
  await cp(join(serviceDir, "schemas"), join(app, "service", "schemas"), { recursive: true });
  return { workdir: join(app, "service"), remove: () => rm(app, { recursive: true, force: true }) };
}
/** Laptop-only roles and their helpers: they import devDependencies and are not used in the image. */
const LAPTOP_ONLY = [/^roles\/local\.js$/, /^roles\/load\.js$/, /^local\//];

async function listJs(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listJs(join(dir, entry.name), relative)));
    else if (entry.name.endsWith(".js")) files.push(relative);
  }
  return files;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

async function waitFor(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
      last = new Error(`${url} answered ${response.status}: ${await response.text()}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${url}: ${String(last)}`);
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, ms: Date.now() - started })));
}

describe("production bundle (what service/Dockerfile copies and runs)", () => {
  let database: TestDatabase;
  let kinesis: LocalKinesis;
  let env: NodeJS.ProcessEnv;
  let image: Awaited<ReturnType<typeof assembleImageTree>>;
  /** The image's working directory, where the roles below run. */
  let workdir: string;

  before(async () => {
    await run("npm", ["run", "build", "--silent"], { cwd: serviceDir });
    image = await assembleImageTree();
    workdir = image.workdir;
    database = await createTestDatabase("image");
    kinesis = await startLocalKinesis();
    const client = createKinesisClient({
      endpoint: kinesis.endpoint,
      region: "eu-central-1",
      streamName: "x",
    });
    await ensureStream(client, "image-orders", 1);
    client.destroy();
    const url = new URL(database.url);
    // The ECS shape: DB_* parts (user and password arrive through `secrets`), no DATABASE_URL.
    env = {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      DB_ENGINE: "postgres",
      DB_HOST: url.hostname,
      DB_PORT: url.port || "5432",
      DB_NAME: url.pathname.slice(1),
      DB_USER: decodeURIComponent(url.username) || "postgres",
      DB_PASSWORD: decodeURIComponent(url.password) || "unused-with-trust-auth",
      INTAKE_MODE: "stream",
      KINESIS_STREAM_NAME: "image-orders",
      KINESIS_ENDPOINT: kinesis.endpoint,
      AWS_REGION: "eu-central-1",
      AUTH_JWT_SECRET: "an-image-test-secret-of-at-least-32-bytes",
      FASTCART_ENVIRONMENT: "image-test",
      METRICS_EMF: "true",
      LOG_LEVEL: "warn",
    };
  });

  after(async () => {
    await kinesis?.stop();
    await database?.drop();
    await image?.remove();
  });

  test("dist/ imports only production dependencies and Node built-ins (laptop roles aside)", async () => {
    const pkg = JSON.parse(await readFile(join(serviceDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const offenders: string[] = [];
    for (const file of await listJs(distDir)) {
      if (LAPTOP_ONLY.some((pattern) => pattern.test(file))) continue;
      const source = await readFile(join(distDir, file), "utf8");
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*["']([^"'./][^"']*)["']/g)) {
        const specifier = match[1]!.replace(/^node:/, "");
        if (!allowed.has(packageName(specifier))) offenders.push(`${file}: ${match[1]}`);
      }
    }
    assert.deepEqual(offenders, [], "move these to dependencies or keep them out of the container roles");
    assert.match(await readFile(join(distDir, "main.js"), "utf8"), /^#!\/usr\/bin\/env node/);
  });

  test("`fastcart migrate`, then `fastcart serve` answers /health and /ready and drains on SIGTERM", async () => {
    const migrate = await run(process.execPath, ["dist/main.js", "migrate"], { cwd: workdir, env });
    assert.equal(migrate.stderr.includes("Error"), false, migrate.stderr);

    const port = await freePort();
    const serve = spawn(process.execPath, ["dist/main.js", "serve"], {
      cwd: workdir,
      env: { ...env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    serve.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = exitOf(serve);
    try {
      const health = await waitFor(`http://127.0.0.1:${port}/health`, 20_000);
      assert.deepEqual(await health.json(), { status: "ok" });
      await waitFor(`http://127.0.0.1:${port}/ready`, 10_000);
    } finally {
      serve.kill("SIGTERM");
    }
    const { code, ms } = await exited;
    assert.equal(code, 0, `serve exited ${code}: ${stderr}`);
    assert.ok(ms < 25_000, `shutdown took ${ms} ms`);
  });

  test("`fastcart work` serves its probe, publishes nothing unexpected, and stops on SIGTERM", async () => {
    const port = await freePort();
    const work = spawn(process.execPath, ["dist/main.js", "work"], {
      cwd: workdir,
      env: { ...env, PORT: String(port), AUTH_JWT_SECRET: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    work.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = exitOf(work);
    try {
      await waitFor(`http://127.0.0.1:${port}/health`, 20_000);
      const metrics = await (await waitFor(`http://127.0.0.1:${port}/metrics`, 5_000)).text();
      assert.match(metrics, /orders_confirmed_total/);
    } finally {
      work.kill("SIGTERM");
    }
    const { code, ms } = await exited;
    assert.equal(code, 0, `work exited ${code}: ${stderr}`);
    assert.ok(ms < 25_000, `shutdown took ${ms} ms`);
  });

  test("a bad environment fails fast with exit 78 and names the variable", async () => {
    const result = await run(process.execPath, ["dist/main.js", "serve"], {
      cwd: workdir,
      env: { ...env, INTAKE_MODE: "queue" },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 78);
    assert.match(result.stderr, /INTAKE_MODE: must be one of stream, table/);
  });

  test("the image's help lists only what it can run, and the dashboard's files are in dist/", async () => {
    const { stdout } = await run(process.execPath, ["dist/main.js", "--help"], { cwd: workdir, env });
    const section = stdout.slice(stdout.indexOf("Commands:"), stdout.indexOf("Examples:"));
    const commands = [...section.matchAll(/^ {2}(\w+) /gm)].map((match) => match[1]);
    assert.deepEqual(commands, ["serve", "work", "migrate", "token", "smoke", "help"]);
    assert.doesNotMatch(stdout, /fastcart local/);
    // Listed is not enough: the one-off smoke task of the deployed image runs this very command.
    const smoke = await run(process.execPath, ["dist/main.js", "smoke", "--help"], { cwd: workdir, env });
    assert.match(smoke.stdout, /Usage: fastcart smoke/);
    assert.match(smoke.stdout, /--wait-ready <seconds>/);
    for (const asset of ["dashboard.html", "dashboard.js", "dashboard.css"]) {
      await readFile(join(workdir, "dist", "dashboard", "static", asset));
    }
    const dockerfile = await readFile(join(serviceDir, "Dockerfile"), "utf8");
    for (const from of dockerfile.matchAll(/^ARG NODE_IMAGE=(.+)$/gm))
      assert.match(from[1]!, /@sha256:[0-9a-f]{64}$/);
    assert.match(dockerfile, /^ADD [^\n]*--checksum=sha256:[0-9a-f]{64}/m);
  });
});
