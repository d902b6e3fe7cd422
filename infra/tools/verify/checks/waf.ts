/** WAF: the web ACL has the planned rules (the per-IP rate limit: limit, window, action) and guards the ALB. */
import { GetWebACLCommand, GetWebACLForResourceCommand, type Rule } from "@aws-sdk/client-wafv2";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { describeLoadBalancer, LOAD_BALANCER } from "./edge.js";
import { found, outputKey } from "./support.js";

const WEB_ACL = "aws:wafv2/webAcl:WebAcl";

interface PlannedRule {
  name: string;
  priority: number;
  action?: Record<string, unknown>;
  statement?: {
    rateBasedStatement?: { limit: number; evaluationWindowSec?: number; aggregateKeyType?: string };
  };
}

export const webAcl: Check = {
  id: "waf",
  title: "the WAF web ACL has the planned rules and rate limit, and is associated with the ALB",
  appliesTo: (plan) => plan.has(WEB_ACL),
  async run(context, findings) {
    const { plan, aws, outputs, translate } = context;
    const planned = plan.one(WEB_ACL);
    const name = stringInput(planned, "name");
    const arnKey = outputKey(plan, ["wafWebAclArn", "waf_web_acl_arn"]);
    const arn =
      arnKey !== undefined && outputs.has(arnKey)
        ? outputs.text(arnKey)
        : translate.live(String(plan.output(arnKey ?? "")));
    const id = found(arn.split("/").at(-1), `the web ACL id in ${arn}`);
    const scope = (inputAt(planned, "scope") as "REGIONAL" | "CLOUDFRONT" | undefined) ?? "REGIONAL";
    const { WebACL } = await aws.send(aws.wafv2, new GetWebACLCommand({ Name: name, Scope: scope, Id: id }));
    const live = found(WebACL, `web ACL ${name}`);
    const defaultAction = Object.keys((inputAt(planned, "defaultAction") as object | undefined) ?? {})[0];
    findings.equal(
      "default action",
      defaultAction,
      live.DefaultAction?.Allow ? "allow" : live.DefaultAction?.Block ? "block" : undefined,
    );
    const rules = (inputAt(planned, "rules") as PlannedRule[] | undefined) ?? [];
    findings.equal(
      "rules",
      rules.map((r) => r.name),
      (live.Rules ?? []).map((r) => r.Name),
    );
    for (const rule of rules) {
      const match: Rule | undefined = live.Rules?.find((r) => r.Name === rule.name);
      if (match === undefined) continue;
      findings.equal(`${rule.name} priority`, rule.priority, match.Priority);
      if (rule.action !== undefined) {
        const liveAction = Object.entries(match.Action ?? {})
          .find(([, v]) => v !== undefined)?.[0]
          ?.toLowerCase();
        findings.equal(`${rule.name} action`, Object.keys(rule.action)[0], liveAction);
      }
      const rate = rule.statement?.rateBasedStatement;
      if (rate !== undefined) {
        const liveRate = match.Statement?.RateBasedStatement;
        findings.equal(`${rule.name} limit`, rate.limit, liveRate?.Limit);
        findings.equal(
          `${rule.name} evaluationWindowSec`,
          rate.evaluationWindowSec ?? 300,
          liveRate?.EvaluationWindowSec,
        );
        findings.equal(
          `${rule.name} aggregateKeyType`,
          rate.aggregateKeyType ?? "IP",
          liveRate?.AggregateKeyType,
        );
      }
    }
    if (plan.has(LOAD_BALANCER)) {
      const alb = await describeLoadBalancer(context);
      const { WebACL: guarding } = await aws.send(
        aws.wafv2,
        new GetWebACLForResourceCommand({ ResourceArn: alb.LoadBalancerArn }),
      );
      findings.equal("web ACL on the ALB", live.ARN, guarding?.ARN ?? "none");
    }
  },
};
