/**
 * The deploy-day controls: HTTPS (planned for real, with a certificate in the stack config), and flow
 * logs, ALB access logs, deployment alarms with rollback and IAM database authentication (added to the
 * plan as the program will add them). Each check exists only when the plan has the control, passes when
 * the account matches, and fails naming the setting when it drifts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Plan } from "../../src/plan/types.js";
import { checksFor } from "../../tools/verify/checks/index.js";
import { PlanView } from "../../tools/verify/plan-view.js";
import { callsOutsideVerifierPolicy, type Deployment, deploy, EXIT } from "./deployment.js";
import { planStack, REGIONS, withoutDeployDayControls } from "./plans.js";
import type { StandInAccount } from "./stand-in/account.js";

const ids = (plan: Plan) =>
  checksFor(new PlanView(plan), { smokeInVpc: false, skipSmoke: true }).map((c) => c.id);
const failedChecks = (out: string[]) => out.flatMap((line) => / FAIL (\S+)/.exec(line)?.[1] ?? []);

describe("HTTPS (orders-api-prod: TLS on 443, 80 redirects)", () => {
  let plan: Plan;
  let deployment: Deployment;
  before(async () => {
    plan = await planStack("orders-api-prod");
    deployment = await deploy(plan, REGIONS["orders-api-prod"]);
  });
  after(() => deployment.stop());

  it("adds alb-https only when the plan has an HTTPS listener", async () => {
    assert.ok(ids(plan).includes("alb-https"));
    assert.ok(!ids(withoutDeployDayControls(plan)).includes("alb-https"));
  });

  it("passes when 443 serves the planned certificate and 80 redirects", async () => {
    const { code, out } = await deployment.verify();
    assert.equal(code, EXIT.ok, out.join("\n"));
  });

  it("fails alb-https and alb-listeners when port 80 forwards instead of redirecting", async () => {
    const plain = deployment.account.all("aws:lb/listener:Listener").find((l) => l.inputs["port"] === 80);
    assert.ok(plain);
    const planned = plain.inputs["defaultActions"];
    plain.inputs["defaultActions"] = [
      {
        type: "forward",
        targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1",
      },
    ];
    try {
      const { code, out } = await deployment.verify();
      assert.equal(code, EXIT.failed);
      assert.deepEqual(failedChecks(out), ["alb-listeners", "alb-https"], out.join("\n"));
      assert.match(out.join("\n"), /:80 default action: expected redirect HTTPS:443 HTTP_301, got forward/);
    } finally {
      plain.inputs["defaultActions"] = planned;
    }
  });

  it("fails alb-listeners naming the certificate when 443 serves another one", async () => {
    const secure = deployment.account.all("aws:lb/listener:Listener").find((l) => l.inputs["port"] === 443);
    assert.ok(secure);
    secure.inputs["certificateArn"] = `${String(secure.inputs["certificateArn"]).slice(0, -4)}ffff`;
    const { out } = await deployment.verify();
    assert.deepEqual(failedChecks(out), ["alb-listeners"], out.join("\n"));
    assert.match(out.join("\n"), /:443 certificate: expected arn:aws:acm:.*, got arn:aws:acm:.*ffff/);
  });
});

interface ControlDrift {
  readonly check: string;
  readonly says: RegExp;
  drift(account: StandInAccount): void;
}

const CONTROLS: Record<"fastcart-dev" | "orders-api-prod", ControlDrift[]> = {
  "fastcart-dev": [
    {
      check: "vpc-flow-logs",
      says: /flow log fastcart-flow-log-dev: expected ALL → cloud-watch-logs, got REJECT → cloud-watch-logs/,
      drift: (a) => {
        a.one("aws:ec2/flowLog:FlowLog").inputs["trafficType"] = "REJECT";
      },
    },
    {
      check: "iam-database-auth",
      says: /iamDatabaseAuthenticationEnabled: expected true, got false/,
      drift: (a) => {
        a.one("aws:rds/instance:Instance").inputs["iamDatabaseAuthenticationEnabled"] = false;
      },
    },
    {
      check: "ecs-deployment-alarms",
      says: /alarms\.rollback: expected true, got false/,
      drift: (a) => {
        const service = a.one("aws:ecs/service:Service");
        service.inputs["alarms"] = { ...(service.inputs["alarms"] as object), rollback: false };
      },
    },
  ],
  "orders-api-prod": [
    {
      check: "alb-access-logs",
      says: /access_logs\.s3\.enabled: expected "?true"?, got "?false"?/,
      drift: (a) => {
        const lb = a.one("aws:lb/loadBalancer:LoadBalancer");
        lb.inputs["accessLogs"] = { ...(lb.inputs["accessLogs"] as object), enabled: false };
      },
    },
    {
      check: "iam-database-auth",
      says: /iamDatabaseAuthenticationEnabled: expected true, got false/,
      drift: (a) => {
        a.one("aws:rds/cluster:Cluster").inputs["iamDatabaseAuthenticationEnabled"] = false;
      },
    },
    {
      check: "ecs-deployment-alarms",
      says: /alarms\.alarmNames: expected \[.*\], got \[\]/,
      drift: (a) => {
        const service = a.one("aws:ecs/service:Service");
        service.inputs["alarms"] = { ...(service.inputs["alarms"] as object), alarmNames: [] };
      },
    },
  ],
};

for (const stack of ["fastcart-dev", "orders-api-prod"] as const) {
  describe(`${stack} with the deploy-day controls in the plan`, () => {
    let plan: Plan;
    before(async () => {
      plan = await planStack(stack);
    });

    it("lists a check for each control the plan has, and none without them", async () => {
      const without = ids(withoutDeployDayControls(plan));
      for (const { check } of CONTROLS[stack]) {
        assert.ok(ids(plan).includes(check), check);
        assert.ok(!without.includes(check), check);
      }
    });

    it("passes when the account has them as planned", async () => {
      const deployment = await deploy(plan, REGIONS[stack]);
      try {
        const { code, out } = await deployment.verify();
        assert.equal(code, EXIT.ok, out.join("\n"));
        assert.deepEqual(callsOutsideVerifierPolicy(deployment.standIn.calls, plan, false), []);
      } finally {
        await deployment.stop();
      }
    });

    for (const control of CONTROLS[stack]) {
      it(`fails ${control.check} when it drifts`, async () => {
        const deployment = await deploy(plan, REGIONS[stack]);
        try {
          control.drift(deployment.account);
          const { out } = await deployment.verify();
          assert.deepEqual(failedChecks(out), [control.check], out.join("\n"));
          assert.match(out.join("\n"), control.says);
        } finally {
          await deployment.stop();
        }
      });
    }
  });
}
