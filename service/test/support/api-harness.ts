/**
 * The API under test, wired to real components: a fresh, migrated PostgreSQL database with the real
 * SqlOrderStore, the real Kinesis producer against an in-process kinesalite (a stream of its own per
 * harness), the real status cache (Redis under a key prefix of its own when REDIS_URL is set, the
 * in-memory cache otherwise), a fresh Prometheus registry and a silent logger.
 *
 * The intake is wrapped in a recorder: it forwards every submission to the real producer and keeps
 * the orders that the producer acknowledged, so tests can count submissions and feed exactly those
 * orders to the real processing core (`decide`), as a worker would.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { Kysely } from "kysely";
import { pino } from "pino";
import type { Registry } from "prom-client";
import { type ApiDeps, buildApp } from "../../src/api/app.js";
import { mintToken } from "../../src/api/auth.js";
import { MemoryStatusCache, RedisStatusCache, type StatusCache } from "../../src/cache/index.js";
import { loadConfig, type ServiceConfig } from "../../src/config.js";
import { createKinesisClient, ensureStream } from "../../src/modes/stream/kinesis-client.js";
import { KinesisOrderIntake } from "../../src/modes/stream/kinesis-intake.js";
import type { OrderIntake } from "../../src/modes/types.js";
import type { AcceptedOrder, OrderDecision, Product } from "../../src/orders/types.js";
import { createDatabase, databaseConfigFromUrl } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrations/index.js";
import { SqlOrderStore } from "../../src/store/order-store.js";
import { applyOrders } from "../../src/store/processing.js";
import type { Database } from "../../src/store/schema.js";
import { createMetrics } from "../../src/telemetry/metrics.js";
import { type LocalKinesis, startLocalKinesis } from "../../tools/local/kinesalite.js";
import { createTestDatabase, optionalService, type TestDatabase } from "./services.js";

export const TEST_JWT_SECRET = "api-test-secret-0123456789abcdef-0123456789";

/** Forwards to a real intake and records what it acknowledged (or refuses everything when `failing`). */
export class RecordingIntake implements OrderIntake {
  readonly submitted: AcceptedOrder[] = [];
  attempts = 0;

  constructor(readonly inner: OrderIntake) {}

  get mode() {
    return this.inner.mode;
  }

  async submit(order: AcceptedOrder): Promise<void> {
    this.attempts += 1;
    await this.inner.submit(order);
    this.submitted.push(order);
  }

  checkReady(): Promise<void> {
    return this.inner.checkReady();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface ApiHarness {
  app: FastifyInstance;
  config: ServiceConfig;
  db: Kysely<Database>;
  store: SqlOrderStore;
  intake: RecordingIntake;
  /** Redis (a key prefix of its own) when REDIS_URL is set, else the in-memory cache. */
  cache: StatusCache;
  /** A real Redis cache pointed at a closed port: every call fails fast, as with Redis down. */
  deadCache(): StatusCache;
  registry: Registry;
  kinesis: LocalKinesis;
  streamName: string;
  /** Bearer header for a customer (sub = customerId) or an admin. */
  customer(customerId: string): Promise<Record<string, string>>;
  admin(sub?: string): Promise<Record<string, string>>;
  /** Inserts or replaces catalog rows through the store. */
  products(products: Product[]): Promise<void>;
  /** Runs the real processing core over the recorded orders not yet decided, as a worker would. */
  decide(orders?: AcceptedOrder[]): Promise<OrderDecision[]>;
  /** Builds another app on the same dependencies (e.g. a second API task). */
  buildAnother(overrides?: Partial<ApiDeps>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Catalog rows stored before the harness is returned. */
  products?: Product[];
}

/** The catalog the order-route suites share: plenty of apples, a single pear. */
export const FRUIT_CATALOG: Product[] = [
  { sku: "APPLE", name: "Apple", unitPrice: 120, currency: "EUR", stock: 100 },
  { sku: "PEAR", name: "Pear", unitPrice: 250, currency: "EUR", stock: 1 },
];

/** A POST /orders body over FRUIT_CATALOG: 3 apples and the pear. */
export const fruitOrder = (customerId: string, extra: Record<string, unknown> = {}) => ({
  customerId,
  currency: "EUR",
  items: [
    { sku: "APPLE", quantity: 3 },
    { sku: "PEAR", quantity: 1 },
  ],
  ...extra,
});

export async function createApiHarness(label: string, options: HarnessOptions = {}): Promise<ApiHarness> {
  const testDb: TestDatabase = await createTestDatabase(label);
  const config = loadConfig(
    {
      DATABASE_URL: testDb.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      KINESIS_ENDPOINT: "http://127.0.0.1:1",
      ...options.env,
    },
    { database: true, auth: true },
  );
  const db = createDatabase(databaseConfigFromUrl(testDb.url, 5));
  await migrate(db);
  const store = new SqlOrderStore(db);
  for (const product of options.products ?? []) await store.putProduct(product);

  const kinesis = await startLocalKinesis();
  const streamName = `api-${label}-${randomBytes(4).toString("hex")}`;
  const kinesisConfig = { ...config.kinesis, endpoint: kinesis.endpoint, streamName };
  const client = createKinesisClient(kinesisConfig);
  await ensureStream(client, streamName, 2);
  const intake = new RecordingIntake(
    new KinesisOrderIntake(client, { streamName, lingerMs: 1, closeClient: true }),
  );
  const redis = optionalService("REDIS_URL");
  const caches: StatusCache[] = [];
  let cache: StatusCache;
  if (redis.url) {
    const redisCache = new RedisStatusCache(
      { url: redis.url, tls: false },
      { keyPrefix: `api-test-${label}-${randomBytes(4).toString("hex")}:`, ttlSeconds: 300 },
    );
    await redisCache.waitUntilReady();
    cache = redisCache;
  } else {
    cache = new MemoryStatusCache();
  }
  caches.push(cache);
  const metrics = createMetrics({ processMetrics: false });
  const registry = metrics.registry;
  const logger = pino({ level: "silent" });
  const fullConfig: ServiceConfig = { ...config, kinesis: kinesisConfig };

  const apps: FastifyInstance[] = [];
  const build = async (overrides: Partial<ApiDeps> = {}) => {
    const app = await buildApp({ config: fullConfig, store, intake, cache, metrics, logger, ...overrides });
    apps.push(app);
    return app;
  };
  const app = await build();
  const decided = new Set<string>();

  const bearer = async (sub: string, scopes: string[]) => ({
    authorization: `Bearer ${await mintToken({ secret: TEST_JWT_SECRET, sub, scopes, ttlSeconds: 600 })}`,
  });

  return {
    app,
    config: fullConfig,
    db,
    store,
    intake,
    cache,
    registry,
    kinesis,
    streamName,
    customer: (customerId) => bearer(customerId, ["orders"]),
    admin: (sub = "admin-1") => bearer(sub, ["orders", "admin"]),
    products: async (products) => {
      for (const product of products) await store.putProduct(product);
    },
    decide: async (orders) => {
      const batch = orders ?? intake.submitted.filter((o) => !decided.has(o.orderId));
      for (const o of batch) decided.add(o.orderId);
      return db.transaction().execute((trx) => applyOrders(trx, batch, new Date()));
    },
    buildAnother: build,
    deadCache: () => {
      const dead = new RedisStatusCache(
        { url: "redis://127.0.0.1:1", tls: false },
        { connectTimeoutMs: 200 },
      );
      caches.push(dead);
      return dead;
    },
    close: async () => {
      for (const a of apps) await a.close();
      for (const c of caches) await c.close();
      await intake.close();
      await kinesis.stop();
      await db.destroy();
      await testDb.drop();
    },
  };
}

/** The parsed problem document of a response, asserting its media type on the way. */
export function problemOf(response: LightMyRequestResponse): {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: { field: string; in: string; rule: string; message: string }[];
  [key: string]: unknown;
} {
  const type = String(response.headers["content-type"]);
  if (!type.startsWith("application/problem+json")) {
    throw new Error(`expected application/problem+json, got ${type}: ${response.body}`);
  }
  return response.json();
}
