/**
 * The AWS SDK v3 clients the verifier reads through, created on first use with one configuration:
 * throttling and transient errors retried by the SDK's adaptive retry strategy (exponential backoff
 * with jitter plus client-side rate limiting), a connect and a socket timeout per attempt, and an abort
 * signal per call that bounds the call with all its retries. Every command sent is a read
 * (Describe/Get/List), except ECS RunTask, which only `--smoke` uses.
 *
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (retry modes)
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html (AWS_ENDPOINT_URL overrides)
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { WAFV2Client } from "@aws-sdk/client-wafv2";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface AwsSettings {
  readonly region: string;
  /** Endpoint for every service (tests: the local stand-in). Unset: AWS, or `AWS_ENDPOINT_URL[_<SERVICE>]`. */
  readonly endpoint?: string;
  /** Static credentials (tests); unset: the SDK's default provider chain (env, profile, SSO, OIDC web identity). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Upper bound of one call including its retries. */
  readonly callTimeoutMs: number;
  /** Attempts per call (1 = no retry). */
  readonly maxAttempts: number;
}

export const DEFAULT_AWS_SETTINGS = { callTimeoutMs: 20_000, maxAttempts: 5 } as const;

/** Anything with the SDK's `send(command, options)`. */
interface Sender {
  // biome-ignore lint/suspicious/noExplicitAny: each client's send is typed per command; this is the common shape.
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

/** Output type of a command: what `client.send(command)` resolves to (read off its middleware handler). */
type OutputOf<C> = C extends {
  resolveMiddleware(...args: never[]): (args: never) => Promise<{ output: infer O }>;
}
  ? O
  : never;

export class AwsClients {
  private readonly made = new Map<string, Sender>();

  constructor(readonly settings: AwsSettings) {}

  get cloudWatch() {
    return this.client("cloudwatch", (c) => new CloudWatchClient(c));
  }
  get logs() {
    return this.client("logs", (c) => new CloudWatchLogsClient(c));
  }
  get ec2() {
    return this.client("ec2", (c) => new EC2Client(c));
  }
  get ecr() {
    return this.client("ecr", (c) => new ECRClient(c));
  }
  get ecs() {
    return this.client("ecs", (c) => new ECSClient(c));
  }
  get elastiCache() {
    return this.client("elasticache", (c) => new ElastiCacheClient(c));
  }
  get elbv2() {
    return this.client("elbv2", (c) => new ElasticLoadBalancingV2Client(c));
  }
  get kinesis() {
    return this.client("kinesis", (c) => new KinesisClient(c));
  }
  get kms() {
    return this.client("kms", (c) => new KMSClient(c));
  }
  get rds() {
    return this.client("rds", (c) => new RDSClient(c));
  }
  get secrets() {
    return this.client("secretsmanager", (c) => new SecretsManagerClient(c));
  }
  get ssm() {
    return this.client("ssm", (c) => new SSMClient(c));
  }
  get sts() {
    return this.client("sts", (c) => new STSClient(c));
  }
  get wafv2() {
    return this.client("wafv2", (c) => new WAFV2Client(c));
  }

  /** Sends one command, bounded by the call timeout (the SDK's retries happen inside that bound). */
  send<C extends object>(client: Sender, command: C): Promise<OutputOf<C>> {
    return client.send(command, { abortSignal: AbortSignal.timeout(this.settings.callTimeoutMs) });
  }

  /** Closes every client's connection pool (the process can then exit without waiting on sockets). */
  destroy(): void {
    for (const client of this.made.values()) (client as unknown as { destroy(): void }).destroy();
    this.made.clear();
  }

  private client<T extends Sender>(key: string, make: (config: ClientConfig) => T): T {
    let client = this.made.get(key) as T | undefined;
    if (client === undefined) {
      client = make(this.clientConfig());
      this.made.set(key, client);
    }
    return client;
  }

  private clientConfig(): ClientConfig {
    const { region, endpoint, credentials, maxAttempts, callTimeoutMs } = this.settings;
    return {
      region,
      maxAttempts,
      retryMode: "adaptive",
      // HTTP/1.1 for every client, Kinesis included (its SDK default is HTTP/2, which only
      // SubscribeToShard needs): one handler type, and endpoint overrides that speak plain HTTP work.
      requestHandler: new NodeHttpHandler({
        connectionTimeout: Math.min(5_000, callTimeoutMs),
        requestTimeout: callTimeoutMs,
      }),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(credentials === undefined ? {} : { credentials }),
    };
  }
}

interface ClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: "adaptive";
  requestHandler: NodeHttpHandler;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}
