import type { AddressInfo } from "node:net";
import kinesalite from "kinesalite";

/** A running in-memory Kinesis API server (kinesalite) on loopback. */
export interface LocalKinesis {
  /** http://127.0.0.1:PORT, for KINESIS_ENDPOINT. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts kinesalite in this process on an ephemeral loopback port. Streams become ACTIVE at once
 * (createStreamMs 0) so local start-up and tests do not wait on a simulated provisioning delay.
 */
export async function startLocalKinesis(
  options: { port?: number; shardLimit?: number } = {},
): Promise<LocalKinesis> {
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: options.shardLimit ?? 50,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}
