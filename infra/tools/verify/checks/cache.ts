/** The ElastiCache replication group: available, encrypted at rest and in transit, AUTH on, failover as planned. */
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { found, known } from "./support.js";

const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const enabled = (on: unknown) => (on === true ? "enabled" : "disabled");

export const elastiCache: Check = {
  id: "elasticache",
  title: "the Redis replication group is available, encrypted at rest and in transit, with AUTH and failover",
  appliesTo: (plan) => plan.has(REPLICATION_GROUP),
  async run({ plan, aws, outputs, translate }, findings) {
    const planned = plan.one(REPLICATION_GROUP);
    const id = stringInput(planned, "replicationGroupId");
    const { ReplicationGroups } = await aws.send(
      aws.elastiCache,
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    const live = found(ReplicationGroups?.[0], `replication group ${id}`);
    findings.equal("status", "available", live.Status);
    findings.equal(
      "atRestEncryptionEnabled",
      inputAt(planned, "atRestEncryptionEnabled") ?? false,
      live.AtRestEncryptionEnabled,
    );
    findings.equal(
      "transitEncryptionEnabled",
      inputAt(planned, "transitEncryptionEnabled") ?? false,
      live.TransitEncryptionEnabled,
    );
    findings.equal("authTokenEnabled", inputAt(planned, "authToken") !== undefined, live.AuthTokenEnabled);
    findings.equal(
      "automaticFailover",
      enabled(inputAt(planned, "automaticFailoverEnabled")),
      live.AutomaticFailover,
    );
    findings.equal("multiAz", enabled(inputAt(planned, "multiAzEnabled")), live.MultiAZ);
    findings.equal("numCacheClusters", inputAt(planned, "numCacheClusters"), live.MemberClusters?.length);
    findings.equal("nodeType", inputAt(planned, "nodeType"), live.CacheNodeType);
    const key = inputAt(planned, "kmsKeyId");
    if (known(key)) findings.equal("kmsKeyId", translate.live(key), live.KmsKeyId);
    if (outputs.has("redis_endpoint")) {
      findings.equal(
        "primary endpoint (output redis_endpoint)",
        outputs.text("redis_endpoint"),
        live.NodeGroups?.[0]?.PrimaryEndpoint?.Address,
      );
    }
    findings.note(`${id}: ${live.MemberClusters?.length ?? 0} node(s)`);
  },
};
