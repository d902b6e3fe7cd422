/**
 * Every check, in the order they run: outputs first, then the network, the key everything is encrypted
 * with, the data stores, the service and its edge, monitoring; the smoke suite last.
 */

import type { PlanView } from "../plan-view.js";
import { hasPublicEndpoint, smokeSuite } from "../smoke.js";
import type { Check } from "../types.js";
import { elastiCache } from "./cache.js";
import { ecsCluster, ecsDeploymentAlarms, ecsService } from "./compute.js";
import { auroraCluster, iamDatabaseAuth, rdsInstance } from "./database.js";
import { accessLogs, https, listeners, loadBalancer } from "./edge.js";
import { kmsKey } from "./encryption.js";
import { logGroups } from "./logs.js";
import { alarms, dashboard } from "./monitoring.js";
import { vpc, vpcFlowLogs } from "./network.js";
import { outputsComplete } from "./outputs.js";
import { ecrRepository } from "./registry.js";
import { databaseSecretRotation, secretsManager, ssmParameters } from "./secrets.js";
import { kinesisStream } from "./stream.js";
import { targetGroups, targetHealth } from "./targets.js";
import { webAcl } from "./waf.js";

export const ALL_CHECKS: readonly Check[] = [
  outputsComplete,
  vpc,
  vpcFlowLogs,
  kmsKey,
  rdsInstance,
  auroraCluster,
  iamDatabaseAuth,
  databaseSecretRotation,
  elastiCache,
  kinesisStream,
  secretsManager,
  ssmParameters,
  ecrRepository,
  logGroups,
  ecsCluster,
  ecsService,
  ecsDeploymentAlarms,
  loadBalancer,
  listeners,
  https,
  accessLogs,
  targetGroups,
  targetHealth,
  webAcl,
  alarms,
  dashboard,
  smokeSuite,
];

export interface Selection {
  /** `--smoke`: also run the suite from inside the VPC when the stack has no public endpoint. */
  readonly smokeInVpc: boolean;
  /** `--no-smoke`: leave the suite out. */
  readonly skipSmoke: boolean;
}

/** The checks that apply to this plan: a stack without a feature has no check for it. */
export function checksFor(plan: PlanView, selection: Selection): Check[] {
  return ALL_CHECKS.filter((check) => {
    if (check !== smokeSuite) return check.appliesTo(plan);
    if (selection.skipSmoke || !check.appliesTo(plan)) return false;
    return hasPublicEndpoint(plan) || selection.smokeInVpc;
  });
}
