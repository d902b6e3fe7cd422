/**
 * Everything one smoke run shares between its checks: the clients (admin, customer, anonymous,
 * garbage token), the run's unique names, and what earlier checks created. Every name carries the
 * run id, so runs against a shared deployed system never see each other's products or orders.
 */
import { randomBytes } from "node:crypto";
import type { SmokeOptions } from "./args.js";
import { ApiClient } from "./client.js";
import { type MintOptions, mintAdminToken, mintCustomerToken } from "./tokens.js";

export interface ProductSpec {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  stock: number;
}

/** An order as last read while waiting: the status, and the body the per-order checks verify. */
export interface ReadOrder {
  orderId: string;
  status: string;
  body: Record<string, unknown>;
}

export interface SmokeContext {
  options: SmokeOptions;
  runId: string;
  /** Absolute time (Date.now()) after which waiting for order statuses gives up. */
  deadline(): number;
  admin: ApiClient;
  /** Places, reads, cancels and lists the run's orders: a minted customer with --secret, else the admin. */
  orderer: ApiClient;
  /** A customer identity for the refusal checks (403 catalog, 404 foreign order), when one is available. */
  customer?: ApiClient;
  anonymous: ApiClient;
  garbage: ApiClient;
  /** Owner of the run's orders. */
  customerId: string;
  /** Owner of the order the customer must not see. */
  otherCustomerId: string;
  currency: string;
  products: { plenty: ProductSpec; scarce: ProductSpec; unknownSku: string };
  created: { products?: true };
  orders: {
    confirmable?: string;
    outOfStock?: string;
    unknownSku?: string;
    idempotent?: string;
    foreign?: string;
  };
  final: { confirmable?: ReadOrder; outOfStock?: ReadOrder; unknownSku?: ReadOrder };
  cancelled?: true;
  /** Every order the run placed for `customerId` (the list check expects exactly these). */
  placed: Set<string>;
}

export function newRunId(): string {
  return randomBytes(4).toString("hex").toUpperCase();
}

function mintOptions(options: SmokeOptions): MintOptions | undefined {
  if (!options.jwtSecret) return undefined;
  return {
    secret: options.jwtSecret,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
}

export async function createContext(options: SmokeOptions, runId = newRunId()): Promise<SmokeContext> {
  const mint = mintOptions(options);
  const customerId = `smoke-${runId.toLowerCase()}`;
  // parseSmokeArgs guarantees a token or a secret; the check keeps a hand-built SmokeOptions honest.
  const adminToken =
    options.adminToken ??
    (mint ? await mintAdminToken(`smoke-admin-${runId.toLowerCase()}`, mint) : undefined);
  if (!adminToken) throw new Error("smoke: an admin token or a JWT secret is required");
  const admin = new ApiClient(
    options.baseUrl,
    adminToken,
    options.requestTimeoutSeconds,
    `smoke-${runId.toLowerCase()}`,
  );
  const minted = mint ? admin.as(await mintCustomerToken(customerId, mint)) : undefined;
  const given = options.customerToken ? admin.as(options.customerToken) : undefined;
  const prefix = `SMOKE-${runId}-`;
  const currency = "EUR";
  const context: SmokeContext = {
    options,
    runId,
    deadline: () => Date.now() + options.timeoutSeconds * 1000,
    admin,
    orderer: minted ?? admin,
    anonymous: admin.as(null),
    // Well-formed JWT syntax with a signature nobody can have made: tests verification, not parsing.
    garbage: admin.as(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzbW9rZSIsInNjb3BlIjoiYWRtaW4ifQ.c21va2UtZ2FyYmFnZQ",
    ),
    customerId,
    otherCustomerId: `${customerId}-other`,
    currency,
    products: {
      plenty: { sku: `${prefix}FIVE`, name: "Smoke widget (stock 5)", unitPrice: 1299, currency, stock: 5 },
      scarce: { sku: `${prefix}ONE`, name: "Smoke gadget (stock 1)", unitPrice: 4999, currency, stock: 1 },
      unknownSku: `${prefix}MISSING`,
    },
    created: {},
    orders: {},
    final: {},
    placed: new Set(),
  };
  const customer = given ?? minted;
  if (customer) context.customer = customer;
  return context;
}
