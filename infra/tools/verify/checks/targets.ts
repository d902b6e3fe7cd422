/** Target groups (blue and green): the planned port and health check; every registered target healthy. */
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { found, matchesOutput, outputContaining } from "./support.js";

const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";

export const targetGroups: Check = {
  id: "target-groups",
  title: "each planned target group exists with the planned port, protocol and health check",
  appliesTo: (plan) => plan.has(TARGET_GROUP),
  async run({ plan, aws, outputs }, findings) {
    for (const planned of plan.all(TARGET_GROUP)) {
      const name = stringInput(planned, "name");
      const { TargetGroups } = await aws.send(aws.elbv2, new DescribeTargetGroupsCommand({ Names: [name] }));
      const live = found(TargetGroups?.[0], `target group ${name}`);
      matchesOutput(
        { outputs },
        findings,
        outputContaining(plan, `:targetgroup/${name}/`),
        live.TargetGroupArn,
      );
      findings.equal(`${name} port`, inputAt(planned, "port"), live.Port);
      findings.equal(`${name} protocol`, inputAt(planned, "protocol"), live.Protocol);
      findings.equal(`${name} targetType`, inputAt(planned, "targetType") ?? "instance", live.TargetType);
      findings.equal(`${name} health check path`, inputAt(planned, "healthCheck.path"), live.HealthCheckPath);
      findings.equal(
        `${name} health check matcher`,
        inputAt(planned, "healthCheck.matcher"),
        live.Matcher?.HttpCode,
      );
      findings.equal(
        `${name} health check interval`,
        inputAt(planned, "healthCheck.interval"),
        live.HealthCheckIntervalSeconds,
      );
      findings.equal(
        `${name} healthy threshold`,
        inputAt(planned, "healthCheck.healthyThreshold"),
        live.HealthyThresholdCount,
      );
      findings.equal(
        `${name} unhealthy threshold`,
        inputAt(planned, "healthCheck.unhealthyThreshold"),
        live.UnhealthyThresholdCount,
      );
    }
  },
};

export const targetHealth: Check = {
  id: "target-health",
  title: "the ALB health checks pass: targets are registered and every registered target is healthy",
  appliesTo: (plan) => plan.has(TARGET_GROUP),
  async run({ plan, aws }, findings) {
    let healthy = 0;
    for (const planned of plan.all(TARGET_GROUP)) {
      const name = stringInput(planned, "name");
      const { TargetGroups } = await aws.send(aws.elbv2, new DescribeTargetGroupsCommand({ Names: [name] }));
      const arn = found(TargetGroups?.[0]?.TargetGroupArn, `target group ${name}`);
      const { TargetHealthDescriptions = [] } = await aws.send(
        aws.elbv2,
        new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
      );
      for (const target of TargetHealthDescriptions) {
        const state = target.TargetHealth?.State;
        // A target still registering ("initial") or leaving ("draining") is a rollout in progress, not a failure.
        if (state === "healthy") healthy += 1;
        else if (state !== "initial" && state !== "draining") {
          findings.equal(
            `${name} target ${target.Target?.Id}:${target.Target?.Port}`,
            "healthy",
            `${state} (${target.TargetHealth?.Reason ?? "no reason"})`,
          );
        }
      }
    }
    findings.that("healthy targets across the target groups", healthy > 0, "at least 1", healthy);
    findings.note(`${healthy} healthy target(s)`);
  },
};
