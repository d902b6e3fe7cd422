import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface ClusterArgs {
  readonly naming: Naming;
  /** Container Insights: enabled | enhanced | disabled. */
  readonly containerInsights: string;
  /** Capacity provider weights; a provider with weight 0 is left out of the strategy. */
  readonly fargateWeight: number;
  readonly fargateSpotWeight: number;
}

export interface ClusterParts {
  readonly cluster: aws.ecs.Cluster;
  /**
   * The cluster's FARGATE / FARGATE_SPOT association. ECS rejects a service whose strategy names a
   * provider the cluster does not have yet, and both only reference the cluster, so the service must
   * wait for this resource explicitly (see service-prerequisites.ts).
   */
  readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
  /** The strategy the service and the cluster default use. */
  readonly strategies: { capacityProvider: string; weight: number; base: number }[];
}

/** ECS cluster with Container Insights and both Fargate capacity providers. */
export function createCluster(args: ClusterArgs, parent: pulumi.Resource): ClusterParts {
  const { naming } = args;
  const clusterName = resourceName(naming, "cluster");
  const cluster = new aws.ecs.Cluster(
    clusterName,
    {
      name: clusterName,
      settings: [{ name: "containerInsights", value: args.containerInsights }],
      tags: resourceTags(naming, clusterName),
    },
    { parent },
  );
  const strategies = [
    { capacityProvider: "FARGATE", weight: args.fargateWeight, base: 0 },
    { capacityProvider: "FARGATE_SPOT", weight: args.fargateSpotWeight, base: 0 },
  ].filter((s) => s.weight > 0);
  const capacityProviders = new aws.ecs.ClusterCapacityProviders(
    clusterName,
    {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategies: strategies,
    },
    { parent },
  );
  return { cluster, capacityProviders, strategies };
}
