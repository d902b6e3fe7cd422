/** What a load run is asked to do and what it reports. */
/** The target on a 2-core machine: the fastcart-dev stack's 2-shard stream write limit, and accept p99. */
export const LOAD_TARGET = { ordersPerSecond: 2_000, p99Ms: 50 } as const;

export interface LoadOptions {
  /** Base URL of the API, without a trailing slash. */
  url: string;
  /** Bearer token with the admin scope (creates products, orders for any customer). */
  token: string;
  durationSeconds: number;
  connections: number;
  /**
   * Offered load in requests/s over all connections, evenly paced (request n is due at n / rate and its
   * latency counts from then: paced-sender.ts); undefined = as fast as the connections go (autocannon).
   * A fixed rate is how "sustains N orders/s with p99 < X" is checked: a saturating closed loop
   * measures the queue it builds, not the latency at N.
   */
  rate?: number;
  /** Products created for this run; `scarceSkus` of them get little stock so some orders are rejected. */
  skus: number;
  scarceSkus: number;
  /**
   * The /metrics endpoints whose counters are summed (default: the API's own). With API and workers in
   * separate processes, list both: acceptances are counted by the API, decisions by the workers.
   */
  metricsUrls?: string[];
  /** Lines per order (default: 1–3 at random). */
  items?: number;
  /** How long to wait after the load for every accepted order to be decided. */
  drainTimeoutSeconds: number;
  /** Print progress on stderr while running. */
  progress: boolean;
}

export interface LoadReport {
  url: string;
  runId: string;
  durationSeconds: number;
  connections: number;
  /** Offered requests/s, or null when unthrottled. */
  rate: number | null;
  skus: number;
  scarceSkus: number;
  requests: {
    sent: number;
    /** 202 answers the client received. */
    accepted: number;
    acceptedPerSecond: number;
    /**
     * Orders the server accepted whose answer the client did not wait for: requests in flight when the
     * load stopped (autocannon drops them). accepted + acceptedInFlightAtStop = endToEnd.accepted.
     */
    acceptedInFlightAtStop: number;
    /** Answers other than 2xx, by status code. */
    non2xx: Record<string, number>;
    errors: number;
    timeouts: number;
  };
  /** Accept latency; with a rate, from the moment each request was due. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /**
   * The same accepts as the API timed them (its /metrics histograms, p50/p99 in ms, interpolated in
   * their buckets): `total` from the request read to the response written, and each step of the
   * accept (claim, intake, cache). The client's figure minus `total` is time outside the handler
   * (waiting to be read, the load generator). Null where the target does not publish them.
   */
  serverAcceptMs: {
    total: { p50: number; p99: number } | null;
    stages: Record<string, { p50: number; p99: number }>;
  };
  /**
   * With a rate only: how late the generator issued requests (its own event loop; large values mean
   * the load machine, not the API, was behind), and whether requests waited for a connection.
   */
  pacing?: {
    issueLagP99Ms: number;
    /** The most requests waiting for a free connection at once (0: the connections never limited). */
    maxWaitingForConnection: number;
  };
  endToEnd: {
    /** Deltas of the server's counters over this run. */
    accepted: number;
    confirmed: number;
    rejected: number;
    decided: number;
    /** Every accepted order reached a final status within the drain timeout. */
    complete: boolean;
    /** decided / (time of the last decision − load start). */
    ordersPerSecond: number;
    /** From the end of the load until the last decision (0 when the workers kept up). */
    drainMs: number;
    lastDecisionAfterStartMs: number;
  };
  /**
   * How far the workers were behind. `shardLagMax`: stream_shard_lag_seconds (Kinesis
   * MillisBehindLatest), the maximum over shards and samples — kinesalite always reports 0, so locally
   * the other figures are the ones to read: `backlogMax`, the most accepted-but-undecided orders seen
   * in a sample, and the acceptance → decision time of this run's orders (order_processing_latency_seconds).
   */
  workerLag: {
    shardLagMaxSeconds: number;
    backlogMax: number;
    processingP50Seconds: number | null;
    processingP99Seconds: number | null;
    samples: number;
  };
  target: { ordersPerSecond: number; basis: "goal" | "offered rate"; p99Ms: number; met: boolean };
}
