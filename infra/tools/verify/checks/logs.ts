/** CloudWatch Logs: every planned log group exists with the planned retention and the stack's key. */
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { known } from "./support.js";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

export const logGroups: Check = {
  id: "log-groups",
  title: "every planned log group exists with the planned retention and KMS key",
  appliesTo: (plan) => plan.has(LOG_GROUP),
  async run({ plan, aws, translate, outputs }, findings) {
    if (outputs.has("log_group_name")) {
      const names = plan.all(LOG_GROUP).map((group) => inputAt(group, "name"));
      findings.includes(
        "output log_group_name (a planned log group)",
        [outputs.text("log_group_name")],
        names,
      );
    }
    for (const planned of plan.all(LOG_GROUP)) {
      const name = stringInput(planned, "name");
      const { logGroups = [] } = await aws.send(
        aws.logs,
        new DescribeLogGroupsCommand({ logGroupNamePrefix: name }),
      );
      const live = logGroups.find((group) => group.logGroupName === name);
      if (live === undefined) {
        findings.equal(name, "present", "absent");
        continue;
      }
      // No retention in the plan means "never expire", which the API reports as no retentionInDays.
      findings.equal(
        `${name} retentionInDays`,
        inputAt(planned, "retentionInDays") ?? "never expire",
        live.retentionInDays ?? "never expire",
      );
      const key = inputAt(planned, "kmsKeyId");
      if (known(key)) findings.equal(`${name} kmsKeyId`, translate.live(key), live.kmsKeyId);
    }
    findings.note(`${plan.all(LOG_GROUP).length} log group(s)`);
  },
};
