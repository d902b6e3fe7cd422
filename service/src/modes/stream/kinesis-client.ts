/**
 * The one place a Kinesis client is built. In AWS the SDK's default credential chain (the ECS task
 * role) and region apply. With an endpoint override (kinesalite locally and in tests) the client talks
 * plain HTTP/1.1 through a keep-alive agent — kinesalite speaks nothing else, and the producer's and
 * workers' many small calls would otherwise pay a TCP handshake each — and signs with dummy
 * credentials, which kinesalite accepts and which can never reach a real account.
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { ServiceConfig } from "../../config.js";

export interface KinesisClientOptions {
  /** Sockets per client; the producer and every shard loop share them. */
  maxSockets?: number;
  /** SDK-level retries of whole calls (the producer retries failed records itself). */
  maxAttempts?: number;
}

export function createKinesisClient(
  kinesis: Omit<ServiceConfig["kinesis"], "aggregate">,
  options: KinesisClientOptions = {},
): KinesisClient {
  const maxSockets = options.maxSockets ?? 64;
  const requestHandler = new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
  });
  return new KinesisClient({
    region: kinesis.region,
    requestHandler,
    maxAttempts: options.maxAttempts ?? 3,
    // Resolve each command's middleware stack once per command class instead of on every send: the
    // producer sends a PutRecords every few milliseconds and nothing here changes a stack after
    // the first call (the SDK documents the option for exactly that case). A send with options (an
    // abortSignal, say) bypasses the cache and clears it: pass none on the hot paths.
    cacheMiddleware: true,
    ...(kinesis.endpoint
      ? {
          endpoint: kinesis.endpoint,
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : {}),
  });
}

/**
 * Creates the stream if it does not exist and waits until it is ACTIVE. For local runs and tests;
 * in AWS the stream is created by the infrastructure, and the service never creates it.
 */
export async function ensureStream(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitForStreamActive(client, streamName, timeoutMs);
}

/** Polls DescribeStreamSummary until the stream is ACTIVE (after a create, split or merge). */
export async function waitForStreamActive(
  client: KinesisClient,
  streamName: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (summary.StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Kinesis stream ${streamName} did not become ACTIVE within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
