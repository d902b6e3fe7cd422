/** CloudWatch: the planned alarms exist with the planned metric, threshold and actions; the dashboard exists. */
import { DescribeAlarmsCommand, GetDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { found } from "./support.js";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

/** `arn:aws:sns:…:fastcart-alarms-dev` → `fastcart-alarms-dev`. */
function lastSegment(arn: string): string {
  return arn.split(/[:/]/).at(-1) ?? arn;
}

export const alarms: Check = {
  id: "alarms",
  title: "every planned alarm exists with the planned metric, threshold and notification actions",
  appliesTo: (plan) => plan.has(ALARM),
  async run({ plan, aws }, findings) {
    const planned = plan.all(ALARM);
    const names = planned.map((alarm) => stringInput(alarm, "name"));
    const live = [];
    // DescribeAlarms takes at most 100 names per call.
    for (let i = 0; i < names.length; i += 100) {
      const answer = await aws.send(
        aws.cloudWatch,
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }),
      );
      live.push(...(answer.MetricAlarms ?? []));
    }
    for (const alarm of planned) {
      const name = stringInput(alarm, "name");
      const match = live.find((a) => a.AlarmName === name);
      if (match === undefined) {
        findings.equal(name, "present", "absent");
        continue;
      }
      if (inputAt(alarm, "metricName") !== undefined) {
        findings.equal(
          `${name} metric`,
          `${inputAt(alarm, "namespace")}/${inputAt(alarm, "metricName")}`,
          `${match.Namespace}/${match.MetricName}`,
        );
      }
      findings.equal(`${name} threshold`, inputAt(alarm, "threshold"), match.Threshold);
      findings.equal(
        `${name} comparisonOperator`,
        inputAt(alarm, "comparisonOperator"),
        match.ComparisonOperator,
      );
      findings.equal(
        `${name} evaluationPeriods`,
        inputAt(alarm, "evaluationPeriods"),
        match.EvaluationPeriods,
      );
      findings.equal(
        `${name} actionsEnabled`,
        inputAt(alarm, "actionsEnabled") ?? true,
        match.ActionsEnabled,
      );
      // The plan's ARN of the alarm topic is a stand-in in the plan's own format: compare topic names.
      const actions = (inputAt(alarm, "alarmActions") as string[] | undefined) ?? [];
      findings.includes(
        `${name} alarmActions`,
        actions.map(lastSegment),
        (match.AlarmActions ?? []).map(lastSegment),
      );
    }
    const firing = live.filter((a) => a.StateValue === "ALARM").map((a) => a.AlarmName);
    findings.note(
      `${live.length}/${planned.length} alarm(s)${firing.length > 0 ? `; in ALARM now: ${firing.join(", ")}` : ""}`,
    );
  },
};

export const dashboard: Check = {
  id: "dashboard",
  title: "the planned CloudWatch dashboard exists with the planned widgets",
  appliesTo: (plan) => plan.has(DASHBOARD),
  async run({ plan, aws, outputs }, findings) {
    for (const planned of plan.all(DASHBOARD)) {
      const name = stringInput(planned, "dashboardName");
      if (outputs.has("dashboardUrl")) {
        const url = outputs.text("dashboardUrl");
        findings.that(
          "output dashboardUrl",
          url.endsWith(`dashboards:name=${name}`),
          `…#dashboards:name=${name}`,
          url,
        );
      }
      const live = await aws.send(aws.cloudWatch, new GetDashboardCommand({ DashboardName: name }));
      const widgets = (body: string) =>
        ((JSON.parse(body) as { widgets?: { properties?: { title?: string } }[] }).widgets ?? []).map(
          (w) => w.properties?.title ?? "(untitled)",
        );
      findings.equal(
        `${name} widgets`,
        widgets(stringInput(planned, "dashboardBody")),
        widgets(found(live.DashboardBody, `dashboard ${name}`)),
      );
    }
  },
};
