/**
 * A small local stand-in for the AWS APIs the verifier reads. It exists because no AWS account is
 * reachable from this repository's test machines: the verifier's real SDK clients are pointed at it
 * (endpoint override) and it answers from a {@link StandInAccount} built from the offline plan — "a
 * deployment that matches the plan" — which drift fixtures then edit. It speaks each service's wire
 * protocol as the pinned SDK clients do (query/XML for EC2, RDS, ElastiCache, ELBv2 and STS; JSON 1.1
 * for KMS, ECS, Secrets Manager, ECR, Logs, WAFv2 and SSM; JSON 1.0 for CloudWatch) and routes by the
 * service name in the request's SigV4 credential scope. It is not a model of AWS: it answers only the
 * read calls the verifier makes, and ECS RunTask for the one-off smoke task.
 *
 * Kinesis is not answered here: those calls are forwarded to a real Kinesis API server (kinesalite). Two
 * things kinesalite does not implement — StartStreamEncryption and EnableEnhancedMonitoring — are filled
 * into its DescribeStreamSummary answer from the account, so the stream's encryption and shard metrics
 * can be checked and drifted too; status, shards and retention are kinesalite's own.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StandInAccount } from "./account.js";
import { ec2 } from "./ec2.js";
import { ecs } from "./ecs.js";
import { elbv2 } from "./elbv2.js";
import { cloudWatch, ecr, kms, logs, secretsManager, ssm, wafv2 } from "./json-services.js";
import {
  AwsFault,
  jsonFault,
  jsonReply,
  type Params,
  queryFault,
  queryReply,
  type Reply,
} from "./protocols.js";
import { elastiCache, rds } from "./rds.js";

type QueryHandler = (account: StandInAccount, action: string, params: Params) => Reply;
type JsonHandler = (account: StandInAccount, operation: string, body: Record<string, unknown>) => unknown;

function sts(account: StandInAccount, action: string): Reply {
  if (action !== "GetCallerIdentity")
    throw new AwsFault("InvalidAction", `the stand-in does not answer STS ${action}`);
  return queryReply(action, "https://sts.amazonaws.com/doc/2011-06-15/", {
    Account: account.accountId,
    Arn: `arn:aws:sts::${account.accountId}:assumed-role/fastcart-verifier/ci`,
    UserId: "AROASTANDIN:ci",
  });
}

/** By SigV4 signing name. */
const QUERY: Readonly<Record<string, QueryHandler>> = {
  ec2,
  rds,
  elasticache: elastiCache,
  elasticloadbalancing: elbv2,
  sts,
};
const JSON_11: Readonly<Record<string, JsonHandler>> = {
  kms,
  ecs,
  secretsmanager: secretsManager,
  ecr,
  logs,
  wafv2,
  ssm,
};
const JSON_10: Readonly<Record<string, JsonHandler>> = { monitoring: cloudWatch };

export interface StandIn {
  readonly endpoint: string;
  /** Every call answered, as `service:Operation` (tests assert the verifier only reads). */
  readonly calls: string[];
  stop(): Promise<void>;
}

function signingName(request: IncomingMessage): string {
  const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(
    String(request.headers.authorization ?? ""),
  );
  return scope?.[1] ?? "";
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function forwardToKinesis(
  account: StandInAccount,
  kinesisEndpoint: string,
  request: IncomingMessage,
  body: string,
): Promise<Reply> {
  const target = String(request.headers["x-amz-target"] ?? "");
  const answer = await fetch(kinesisEndpoint, {
    method: "POST",
    // The signed request as the SDK sent it (kinesalite checks that the signature's headers are there).
    headers: Object.fromEntries(
      Object.entries(request.headers)
        .filter(([name]) => !["host", "connection", "content-length"].includes(name))
        .map(([name, value]) => [name, String(value)]),
    ),
    body,
  });
  let text = await answer.text();
  if (answer.ok && target.endsWith(".DescribeStreamSummary")) {
    const parsed = JSON.parse(text) as { StreamDescriptionSummary: Record<string, unknown> };
    const summary = parsed.StreamDescriptionSummary;
    const stream = account.find("aws:kinesis/stream:Stream", "name", summary["StreamName"]);
    if (stream !== undefined) {
      summary["EncryptionType"] = stream.inputs["encryptionType"] ?? "NONE";
      summary["KeyId"] = stream.inputs["kmsKeyId"];
      summary["EnhancedMonitoring"] = [{ ShardLevelMetrics: stream.inputs["shardLevelMetrics"] ?? [] }];
    }
    // kinesalite predates capacity modes; every stream it creates is what AWS calls PROVISIONED.
    summary["StreamModeDetails"] ??= { StreamMode: "PROVISIONED" };
    text = JSON.stringify(parsed);
  }
  return {
    status: answer.status,
    contentType: answer.headers.get("content-type") ?? "application/x-amz-json-1.1",
    body: text,
  };
}

/** Waits the configured delay; true when this call is to be refused as throttled. */
async function slowOrRefuse(account: StandInAccount, call: string): Promise<boolean> {
  const delay = account.delayMs.get(call);
  if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
  const refusals = account.throttle.get(call) ?? 0;
  if (refusals > 0) account.throttle.set(call, refusals - 1);
  return refusals > 0;
}

async function answer(
  account: StandInAccount,
  kinesisEndpoint: string,
  request: IncomingMessage,
  calls: string[],
): Promise<Reply> {
  const service = signingName(request);
  const body = await readBody(request);
  const target = request.headers["x-amz-target"];
  if (service === "kinesis") {
    calls.push(`kinesis:${String(target).split(".").at(-1)}`);
    return forwardToKinesis(account, kinesisEndpoint, request, body);
  }
  const json = JSON_11[service] ?? JSON_10[service];
  const version = JSON_10[service] ? "1.0" : "1.1";
  if (json !== undefined) {
    const operation =
      String(target ?? "")
        .split(".")
        .at(-1) ?? "";
    calls.push(`${service}:${operation}`);
    if (await slowOrRefuse(account, `${service}:${operation}`)) {
      return jsonFault(new AwsFault("ThrottlingException", "Rate exceeded"), version);
    }
    try {
      return jsonReply(json(account, operation, body === "" ? {} : JSON.parse(body)), version);
    } catch (error) {
      if (error instanceof AwsFault) return jsonFault(error, version);
      throw error;
    }
  }
  const query = QUERY[service];
  const params = new URLSearchParams(body);
  const action = params.get("Action") ?? "";
  calls.push(`${service}:${action}`);
  if (await slowOrRefuse(account, `${service}:${action}`)) {
    return queryFault(new AwsFault("Throttling", "Rate exceeded"), service === "ec2");
  }
  if (query === undefined)
    return queryFault(new AwsFault("UnknownService", `the stand-in does not answer ${service}`), false);
  try {
    return query(account, action, params);
  } catch (error) {
    if (error instanceof AwsFault) return queryFault(error, service === "ec2");
    throw error;
  }
}

/** Starts the stand-in on an ephemeral loopback port. */
export async function startStandIn(account: StandInAccount, kinesisEndpoint: string): Promise<StandIn> {
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    answer(account, kinesisEndpoint, request, calls).then(
      (reply) => {
        response.writeHead(reply.status, { "content-type": reply.contentType, ...reply.headers });
        response.end(reply.body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(`stand-in failure: ${(error as Error).stack}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
