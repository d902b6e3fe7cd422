import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { availableShards, type LeaseSnapshot, planLeaseTakes } from "../src/modes/stream/lease-balancer.js";

const lease = (shardId: string, patch: Partial<LeaseSnapshot> = {}): LeaseSnapshot => ({
  shardId,
  parentShardIds: [],
  owner: null,
  live: false,
  fencingToken: 0,
  finished: false,
  ...patch,
});
const owned = (shardId: string, owner: string, token = 1) =>
  lease(shardId, { owner, live: true, fencingToken: token });

describe("lease balancer", () => {
  test("a lone worker takes every free shard", () => {
    const plan = planLeaseTakes([lease("s0"), lease("s1")], "A");
    assert.deepEqual(plan, [
      { shardId: "s0", expectedToken: 0 },
      { shardId: "s1", expectedToken: 0 },
    ]);
  });

  test("a worker never takes more than its fair share of free shards", () => {
    // B holds one of four: two live workers, share 2; A takes two of the three free ones.
    const plan = planLeaseTakes([owned("s0", "B"), lease("s1"), lease("s2"), lease("s3")], "A");
    assert.equal(plan.length, 2);
  });

  test("expired leases of a dead worker are free to take, with their current token", () => {
    const dead = lease("s0", { owner: "dead", live: false, fencingToken: 7 });
    assert.deepEqual(planLeaseTakes([dead], "A"), [{ shardId: "s0", expectedToken: 7 }]);
  });

  test("steals one lease from the most loaded worker when two or more apart", () => {
    const plan = planLeaseTakes([owned("s0", "B"), owned("s1", "B", 4)], "A");
    assert.deepEqual(plan, [{ shardId: "s0", expectedToken: 1, stealFrom: "B" }]);
  });

  test("does not steal at a difference of one (it would only move the imbalance)", () => {
    // Three shards, two workers: B 2, A 1 is as fair as it gets.
    assert.deepEqual(planLeaseTakes([owned("s0", "B"), owned("s1", "B"), owned("s2", "A")], "A"), []);
  });

  test("4 shards over 3 workers settles at 2/1/1", () => {
    const leases = [owned("s0", "A"), owned("s1", "A"), owned("s2", "B"), owned("s3", "B")];
    const plan = planLeaseTakes(leases, "C");
    assert.equal(plan.length, 1);
    assert.equal(plan[0]?.stealFrom, "A"); // ties broken by owner name, deterministically
  });

  test("a worker at its share takes nothing", () => {
    // Four shards, two live workers: share 2. A holds 2, so s3 is left for B.
    const leases = [owned("s0", "A"), owned("s1", "A"), owned("s2", "B"), lease("s3")];
    assert.deepEqual(planLeaseTakes(leases, "A"), []);
    assert.deepEqual(planLeaseTakes(leases, "B"), [{ shardId: "s3", expectedToken: 0 }]);
  });

  test("children wait until every parent has finished", () => {
    const leases = [
      lease("parent", { owner: "B", live: true }),
      lease("child-1", { parentShardIds: ["parent"] }),
      lease("child-2", { parentShardIds: ["parent"] }),
    ];
    assert.deepEqual(
      availableShards(leases).map((l) => l.shardId),
      ["parent"],
    );
    const done = leases.map((l) =>
      l.shardId === "parent" ? { ...l, finished: true, owner: null, live: false } : l,
    );
    assert.deepEqual(
      availableShards(done).map((l) => l.shardId),
      ["child-1", "child-2"],
    );
  });

  test("a merged child needs both parents finished; a parent gone from the table counts as finished", () => {
    const leases = [
      lease("p1", { finished: true }),
      lease("p2"),
      lease("merged", { parentShardIds: ["p1", "p2"] }),
    ];
    assert.deepEqual(
      availableShards(leases).map((l) => l.shardId),
      ["p2"],
    );
    assert.deepEqual(
      availableShards([lease("orphan", { parentShardIds: ["trimmed-away"] })]).map((l) => l.shardId),
      ["orphan"],
    );
  });

  test("maxTakes bounds one round", () => {
    assert.equal(planLeaseTakes([lease("a"), lease("b"), lease("c")], "A", 1).length, 1);
  });
});
