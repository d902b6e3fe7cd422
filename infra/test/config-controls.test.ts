/** The settings of the edge, logging and database controls: defaults, single-key rules and cross-key rules. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiHostedZoneName, type ConfigReader, loadStackConfig, StackConfigError } from "../src/config.js";

const CERT = "arn:aws:acm:eu-central-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** The minimum valid pipeline stack plus overrides. */
function reader(overrides: Record<string, string | undefined>): ConfigReader {
  const values: Record<string, string | undefined> = {
    environmentSuffix: "t1",
    "aws:region": "eu-central-1",
    cacheEnabled: "true",
    imageTag: "v1",
    ...overrides,
  };
  return (key) => values[key];
}

function problems(overrides: Record<string, string | undefined>): string[] {
  try {
    loadStackConfig(reader(overrides), "unit");
  } catch (error) {
    assert.ok(error instanceof StackConfigError, `expected StackConfigError, got ${String(error)}`);
    return error.problems.map((p) => `${p.key}: ${p.rule}`);
  }
  return [];
}

function assertProblem(overrides: Record<string, string | undefined>, key: string, rulePart: string) {
  const found = problems(overrides);
  assert.ok(
    found.some((p) => p.startsWith(`${key}: `) && p.includes(rulePart)),
    `expected a problem on ${key} mentioning "${rulePart}", got:\n${found.join("\n")}`,
  );
}

describe("control settings", () => {
  it("defaults are production-safe: protected database, logs and flow logs on, managed WAF rules, no plain HTTP", () => {
    const c = loadStackConfig(reader({}), "unit");
    assert.equal(c.dbDeletionProtection, true);
    assert.equal(c.dbSkipFinalSnapshot, false);
    assert.equal(c.auroraPerformanceInsights, true);
    assert.equal(c.performanceInsightsRetentionDays, 7);
    assert.equal(c.allowPlainHttpInsecure, false);
    assert.equal(c.albAccessLogsEnabled, true);
    assert.equal(c.albAccessLogsExpirationDays, 90);
    assert.deepEqual(c.wafManagedRuleGroups, [
      "AWSManagedRulesAmazonIpReputationList",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesSQLiRuleSet",
    ]);
    assert.equal(c.wafLogRetentionDays, 90);
    assert.deepEqual([c.flowLogsEnabled, c.flowLogsTrafficType, c.flowLogsRetentionDays], [true, "ALL", 90]);
    assert.equal(c.quarantineAlarmPeriodSeconds, 300);
    assert.equal(c.apiDomainAliasRecord, true);
  });

  it("rejects bad single values, naming the key and the rule", () => {
    assertProblem(
      { apiDomainName: "Orders.Example.com" },
      "apiDomainName",
      "a lowercase fully qualified domain name",
    );
    assertProblem({ apiDomainName: "localhost" }, "apiDomainName", "fully qualified");
    assertProblem({ hostedZoneName: "example..com" }, "hostedZoneName", "a lowercase domain name");
    assertProblem({ allowPlainHttpInsecure: "yes" }, "allowPlainHttpInsecure", "true or false");
    assertProblem({ albAccessLogsExpirationDays: "0" }, "albAccessLogsExpirationDays", "from 1 to 3650");
    assertProblem(
      { wafManagedRuleGroups: "AWSManagedRulesEverything" },
      "wafManagedRuleGroups",
      "distinct values from",
    );
    assertProblem(
      { wafManagedRuleGroups: "AWSManagedRulesSQLiRuleSet,AWSManagedRulesSQLiRuleSet" },
      "wafManagedRuleGroups",
      "distinct",
    );
    assertProblem({ wafLogRetentionDays: "10" }, "wafLogRetentionDays", "one of 1, 3, 5, 7");
    assertProblem({ flowLogsTrafficType: "all" }, "flowLogsTrafficType", "one of ALL, ACCEPT, REJECT");
    assertProblem({ flowLogsRetentionDays: "2" }, "flowLogsRetentionDays", "one of 1, 3");
    for (const bad of ["30", "32", "744", "0", "x"])
      assertProblem(
        { performanceInsightsRetentionDays: bad },
        "performanceInsightsRetentionDays",
        "a multiple of 31",
      );
    assertProblem({ quarantineAlarmPeriodSeconds: "30" }, "quarantineAlarmPeriodSeconds", "one of 60, 300");
  });

  it("reads lists and retention values the rules allow", () => {
    const c = loadStackConfig(
      reader({
        wafManagedRuleGroups: " AWSManagedRulesCommonRuleSet , AWSManagedRulesAnonymousIpList",
        performanceInsightsRetentionDays: "93",
      }),
      "unit",
    );
    assert.deepEqual(c.wafManagedRuleGroups, [
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesAnonymousIpList",
    ]);
    assert.equal(c.performanceInsightsRetentionDays, 93);
    assert.deepEqual(loadStackConfig(reader({ wafManagedRuleGroups: "" }), "unit").wafManagedRuleGroups, []);
    for (const ok of ["7", "31", "713", "731"])
      assert.doesNotThrow(
        () => loadStackConfig(reader({ performanceInsightsRetentionDays: ok }), "unit"),
        ok,
      );
  });

  it("an internet-facing ALB without certificate, domain or opt-out is refused, naming the keys to set", () => {
    const error = (() => {
      try {
        loadStackConfig(reader({ albEnabled: "true" }), "unit");
      } catch (e) {
        return e as StackConfigError;
      }
      throw new Error("expected failure");
    })();
    const [problem] = error.problems;
    assert.equal(problem?.key, "apiDomainName");
    assert.equal(problem?.value, undefined);
    for (const key of [
      "fastcart-orders:apiDomainName",
      "fastcart-orders:hostedZoneName",
      "fastcart-orders:certificateArn",
    ])
      assert.ok(error.message.includes(key), `the message names ${key}: ${error.message}`);
    assert.match(error.message, /apiDomainName = \(unset\): must be set when albEnabled is true/);
    assert.match(error.message, /allowPlainHttpInsecure: true/);
  });

  it("accepts an ALB with a certificate, with a domain, or with the explicit insecure opt-out", () => {
    for (const https of [
      { certificateArn: CERT },
      { apiDomainName: "orders.shop.example" },
      { allowPlainHttpInsecure: "true" },
    ])
      assert.deepEqual(problems({ albEnabled: "true", ...https }), [], JSON.stringify(https));
  });

  it("checks the rules between the HTTPS keys", () => {
    assertProblem(
      { albEnabled: "true", certificateArn: CERT, apiDomainName: "a.shop.example" },
      "apiDomainName",
      "unset when certificateArn is set",
    );
    assertProblem(
      { albEnabled: "true", certificateArn: CERT, allowPlainHttpInsecure: "true" },
      "allowPlainHttpInsecure",
      "false when certificateArn or apiDomainName is set",
    );
    assertProblem(
      { albEnabled: "true", certificateArn: CERT, hostedZoneName: "shop.example" },
      "hostedZoneName",
      "unset unless apiDomainName",
    );
    assertProblem(
      { albEnabled: "true", apiDomainName: "a.shop.example", hostedZoneName: "other.example" },
      "hostedZoneName",
      "contains apiDomainName a.shop.example",
    );
    assertProblem({ apiDomainName: "a.shop.example" }, "apiDomainName", "unset unless albEnabled");
  });

  it("the hosted zone is hostedZoneName, else the domain without its first label", () => {
    assert.equal(
      apiHostedZoneName({ apiDomainName: "orders-api.shop.example", hostedZoneName: undefined }),
      "shop.example",
    );
    assert.equal(
      apiHostedZoneName({ apiDomainName: "a.b.shop.example", hostedZoneName: "shop.example" }),
      "shop.example",
    );
    assert.equal(apiHostedZoneName({ apiDomainName: undefined, hostedZoneName: undefined }), undefined);
    assert.deepEqual(
      problems({ albEnabled: "true", apiDomainName: "shop.example", hostedZoneName: "shop.example" }),
      [],
    );
  });
});
