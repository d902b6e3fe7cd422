/**
 * The smoke suite's building blocks on their own: argument parsing, the order-view and list-page
 * checks, and the check list (the suite end to end is in smoke-cli.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSmokeArgs, UsageError } from "../src/smoke/args.js";
import { readListPage } from "../src/smoke/list-page.js";
import { parseOrderView, verifyHistory, verifyTotals } from "../src/smoke/order-view.js";
import { SECRET } from "./support/smoke-run.js";

describe("smoke building blocks", () => {
  it("parses options and rejects bad ones naming the flag and the rule", () => {
    const parsed = parseSmokeArgs([
      "--url",
      "http://alb.example.com/",
      "--token",
      "t",
      "--timeout",
      "90",
      "--json",
    ]);
    assert.equal(parsed.kind, "run");
    if (parsed.kind === "run") {
      assert.equal(parsed.options.baseUrl, "http://alb.example.com");
      assert.equal(parsed.options.timeoutSeconds, 90);
      assert.equal(parsed.options.requestTimeoutSeconds, 10);
      assert.equal(parsed.options.json, true);
    }
    assert.deepEqual(parseSmokeArgs(["-h"]), { kind: "help" });
    const fromEnv = parseSmokeArgs(["--url", "http://h", "--wait-ready", "0"], {
      SMOKE_ADMIN_TOKEN: "env-admin",
      SMOKE_CUSTOMER_TOKEN: "env-customer",
      SMOKE_JWT_SECRET: SECRET,
      AUTH_JWT_SECRET: "never read: the smoke CLI only reads SMOKE_* names",
    });
    assert.deepEqual(fromEnv.kind === "run" && fromEnv.options, {
      baseUrl: "http://h",
      adminToken: "env-admin",
      customerToken: "env-customer",
      jwtSecret: SECRET,
      timeoutSeconds: 60,
      requestTimeoutSeconds: 10,
      waitReadySeconds: 0,
      json: false,
    });
    const flagWins = parseSmokeArgs(["--url", "http://h", "--token", "flag-admin"], {
      SMOKE_ADMIN_TOKEN: "env-admin",
    });
    assert.equal(flagWins.kind === "run" && flagWins.options.adminToken, "flag-admin");
    const noSecret = parseSmokeArgs(["--url", "http://h", "--token", "t"], { AUTH_JWT_SECRET: SECRET });
    assert.equal(noSecret.kind === "run" && noSecret.options.jwtSecret, undefined);
    // --secret-env names the variable (the container's own AUTH_JWT_SECRET); with a secret and no
    // token the suite mints its admin token, so nothing secret is on the command line.
    const fromNamed = parseSmokeArgs(["--url", "http://h", "--secret-env", "AUTH_JWT_SECRET"], {
      AUTH_JWT_SECRET: SECRET,
    });
    assert.equal(fromNamed.kind === "run" && fromNamed.options.jwtSecret, SECRET);
    assert.equal(fromNamed.kind === "run" && fromNamed.options.adminToken, undefined);
    const cases: [string[], RegExp][] = [
      [
        ["--url", "http://h", "--secret-env", "NOT_SET_ANYWHERE"],
        /--secret-env: environment variable NOT_SET_ANYWHERE is not set/,
      ],
      [["--url", "http://h", "--secret-env", "A-B"], /--secret-env: must be an environment variable name/],
      [["--url", "http://h", "--secret-env", "SHORT"], /--secret-env: must be at least 32 bytes/],
      [["--url", "http://h", "--secret", SECRET, "--secret-env", "X"], /--secret and --secret-env: give one/],
      [["--url", "x", "--token", "t"], /--url: not a URL/],
      [["--url", "ftp://h", "--token", "t"], /--url: must be http/],
      [["--url", "http://h?x=1", "--token", "t"], /--url: must not carry a query/],
      [["--url", "http://h"], /--token: required/],
      [["--url", "http://h", "--token", " "], /--token: must not be empty/],
      [["--url", "http://h", "--token", "t", "--timeout", "abc"], /--timeout: must be a number of seconds/],
      [["--url", "http://h", "--token", "t", "--timeout", "0"], /--timeout: must be a number of seconds > 0/],
      [
        ["--url", "http://h", "--token", "t", "--wait-ready=-1"],
        /--wait-ready: must be a number of seconds >= 0/,
      ],
      [["--url", "http://h", "--token", "t", "--secret", "short"], /--secret: must be at least 32 bytes/],
      [["--url", "http://h", "--token", "t", "--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseSmokeArgs(argv, { SHORT: "short" }),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    }
  });

  const view = {
    orderId: "o",
    customerId: "c",
    status: "CONFIRMED",
    currency: "EUR",
    items: [{ sku: "A", quantity: 2, unitPrice: 150, lineTotal: 300 }],
    total: 300,
    history: [
      { status: "PENDING", at: "2026-01-01T00:00:00Z" },
      { status: "CONFIRMED", at: "2026-01-01T00:00:01Z" },
    ],
  };

  it("verifies totals as integer minor units that add up", () => {
    verifyTotals(parseOrderView(view));
    assert.throws(
      () => verifyTotals(parseOrderView({ ...view, total: 301 })),
      /total 301 != Σ unitPrice × quantity = 300/,
    );
    assert.throws(
      () =>
        verifyTotals(parseOrderView({ ...view, items: [{ ...view.items[0], lineTotal: 299 }], total: 299 })),
      /items\[0\].lineTotal 299 != unitPrice 150 × quantity 2/,
    );
    assert.throws(() => parseOrderView({ ...view, total: "300" }), /total must be an integer/);
    assert.throws(
      () => parseOrderView({ ...view, items: [{ ...view.items[0], unitPrice: 1.5 }] }),
      /unitPrice must be an integer/,
    );
  });

  it("verifies that history runs PENDING → final, forward in time", () => {
    verifyHistory(parseOrderView(view), ["CONFIRMED"]);
    assert.throws(
      () => verifyHistory(parseOrderView(view), ["CONFIRMED", "CANCELLED"]),
      /must contain PENDING → CONFIRMED → CANCELLED/,
    );
    const reversed = { ...view, history: [...view.history].reverse() };
    assert.throws(() => verifyHistory(parseOrderView(reversed), ["CONFIRMED"]), /must start with PENDING/);
    const backwards = {
      ...view,
      history: [
        { status: "PENDING", at: "2026-01-01T00:00:05Z" },
        { status: "CONFIRMED", at: "2026-01-01T00:00:01Z" },
      ],
    };
    assert.throws(
      () => verifyHistory(parseOrderView(backwards), ["CONFIRMED"]),
      /history times go backwards/,
    );
    // Two tasks' clocks may differ a little: half a second back is skew, not a reordering.
    const skewed = {
      ...view,
      history: [
        { status: "PENDING", at: "2026-01-01T00:00:00.500Z" },
        { status: "CONFIRMED", at: "2026-01-01T00:00:00.000Z" },
      ],
    };
    verifyHistory(parseOrderView(skewed), ["CONFIRMED"]);
    assert.throws(
      () => parseOrderView({ ...view, history: [{ status: "PENDING", at: "yesterday" }] }),
      /not a timestamp/,
    );
  });

  it("reads list pages and refuses a body without an orders array", () => {
    assert.deepEqual(readListPage({ orders: [{ orderId: "a", customerId: "c" }], nextCursor: "n" }), {
      orders: [{ orderId: "a", customerId: "c" }],
      nextCursor: "n",
    });
    assert.deepEqual(readListPage({ orders: [], nextCursor: null }), { orders: [] });
    assert.throws(() => readListPage({ results: [] }), /list body has no orders array/);
    assert.throws(() => readListPage({ orders: [{ id: "a" }] }), /orders\[0\] has no orderId/);
    assert.throws(() => readListPage({ orders: [], nextCursor: 7 }), /nextCursor must be a string or null/);
  });
});
