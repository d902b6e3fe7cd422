/** Throttling is retried with backoff by the SDK's retry strategy; a slow call or check is cut off and named. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Deployment, deploy, EXIT, TEST_CREDENTIALS } from "./deployment.js";
import { planStack, REGIONS } from "./plans.js";

describe("throttling and timeouts (orders-api-prod)", () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await deploy(await planStack("orders-api-prod"), REGIONS["orders-api-prod"]);
  });
  after(() => deployment.stop());

  it("retries a throttled call (query and JSON protocols) with backoff and passes", async () => {
    deployment.account.throttle.set("wafv2:GetWebACL", 1);
    deployment.account.throttle.set("elasticloadbalancing:DescribeTargetGroups", 1);
    deployment.standIn.calls.length = 0;
    const { code, out } = await deployment.verify({
      aws: {
        endpoint: deployment.standIn.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 4,
        callTimeoutMs: 20_000,
      },
    });
    assert.equal(code, EXIT.ok, out.join("\n"));
    assert.equal(deployment.standIn.calls.filter((c) => c === "wafv2:GetWebACL").length, 2);
    assert.equal(deployment.account.throttle.get("elasticloadbalancing:DescribeTargetGroups"), 0);
  });

  it("fails the check naming the throttling once the attempts are used up", async () => {
    deployment.account.throttle.set("wafv2:GetWebACL", 10);
    const { code, out } = await deployment.verify({
      only: ["waf"],
      aws: {
        endpoint: deployment.standIn.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 2,
        callTimeoutMs: 20_000,
      },
    });
    deployment.account.throttle.delete("wafv2:GetWebACL");
    assert.equal(code, EXIT.failed);
    assert.match(out.join("\n"), /FAIL waf[\s\S]*ThrottlingException: Rate exceeded/);
  });

  it("aborts a call that outlives the call timeout", async () => {
    deployment.account.delayMs.set("monitoring:GetDashboard", 3_000);
    const { code, out } = await deployment.verify({
      only: ["dashboard"],
      aws: {
        endpoint: deployment.standIn.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
        callTimeoutMs: 500,
      },
    });
    deployment.account.delayMs.delete("monitoring:GetDashboard");
    assert.equal(code, EXIT.failed);
    assert.match(out.join("\n"), /FAIL dashboard[\s\S]*(TimeoutError|AbortError|aborted)/i);
  });

  it("cuts off a check that outlives the check timeout", async () => {
    deployment.account.delayMs.set("monitoring:DescribeAlarms", 3_000);
    const { code, out } = await deployment.verify({ only: ["alarms"], checkTimeoutMs: 500 });
    deployment.account.delayMs.delete("monitoring:DescribeAlarms");
    assert.equal(code, EXIT.failed);
    assert.match(out.join("\n"), /FAIL alarms[\s\S]*timed out after 500 ms/);
  });
});
