import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export const REDIS_PORT = 6379;

export interface CacheArgs {
  readonly naming: Naming;
  /** Private subnets for the cache subnet group. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** Security group admitting the service only. */
  readonly securityGroupId: pulumi.Input<string>;
  /** Customer-managed key for data at rest. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** AUTH token (a Pulumi secret; the same value the service receives as REDIS_AUTH_TOKEN). */
  readonly authToken: pulumi.Input<string>;
  /** Node type (stack config `cacheNodeType`). */
  readonly nodeType: string;
  /** Redis OSS version (stack config `cacheEngineVersion`). */
  readonly engineVersion: string;
  /** Primary + replicas (stack config `cacheNodes`; at least 2 for automatic failover). */
  readonly nodes: number;
}

/**
 * Redis replication group for the order-status cache: cluster mode off (one shard, replicas in other
 * AZs), encrypted at rest with the stack key and in transit (TLS), AUTH token, Multi-AZ with automatic
 * failover. The service treats it as a cache: losing it degrades reads to the database.
 */
export class Cache extends pulumi.ComponentResource {
  readonly replicationGroup: aws.elasticache.ReplicationGroup;
  /** Primary endpoint host (cluster mode disabled: this is the writer endpoint clients use). */
  readonly primaryEndpoint: pulumi.Output<string>;
  readonly port: number = REDIS_PORT;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Cache", name, {}, opts);
    const { naming } = args;
    const subnetGroupName = resourceName(naming, "redis-subnets");
    const subnetGroup = new aws.elasticache.SubnetGroup(
      subnetGroupName,
      {
        name: subnetGroupName,
        description: "FastCart Redis: private subnets",
        subnetIds: args.subnetIds,
        tags: resourceTags(naming, subnetGroupName),
      },
      { parent: this },
    );
    const groupId = resourceName(naming, "redis");
    this.replicationGroup = new aws.elasticache.ReplicationGroup(
      groupId,
      {
        replicationGroupId: groupId,
        description: "FastCart order-status cache",
        engine: "redis",
        engineVersion: args.engineVersion,
        nodeType: args.nodeType,
        numCacheClusters: args.nodes,
        port: REDIS_PORT,
        parameterGroupName: "default.redis7",
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [args.securityGroupId],
        atRestEncryptionEnabled: true,
        kmsKeyId: args.kmsKeyArn,
        transitEncryptionEnabled: true,
        authToken: args.authToken,
        automaticFailoverEnabled: true,
        multiAzEnabled: true,
        snapshotRetentionLimit: 1,
        applyImmediately: true,
        tags: resourceTags(naming, groupId),
      },
      { parent: this },
    );
    this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;
    this.registerOutputs({ primaryEndpoint: this.primaryEndpoint, port: this.port });
  }
}
