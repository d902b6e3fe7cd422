import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { planLeaseTakes } from "../src/modes/stream/lease-balancer.js";
import { createDatabase, databaseConfigFromUrl } from "../src/store/database.js";
import { LeaseLostError, LeaseStore } from "../src/store/leases.js";
import { migrate } from "../src/store/migrations/index.js";
import type { Database } from "../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "./support/services.js";

let testDb: TestDatabase;
let db: Kysely<Database>;

before(async () => {
  testDb = await createTestDatabase("leases");
  db = createDatabase(databaseConfigFromUrl(testDb.url));
  await migrate(db);
});
after(async () => {
  await db.destroy();
  await testDb.drop();
});

let streamCounter = 0;
const store = (workerId: string, streamName: string, leaseTtlMs = 10_000) =>
  new LeaseStore(db, { streamName, workerId, leaseTtlMs });
const stream = () => `leases-${++streamCounter}`;
const shards = (...ids: string[]) => ids.map((shardId) => ({ shardId, parentShardIds: [] }));

describe("shard leases in PostgreSQL", () => {
  test("syncShards records new shards once, with their parents, and keeps existing rows", async () => {
    const name = stream();
    const a = store("A", name);
    await a.syncShards(shards("s0", "s1"));
    const held = await a.take({ shardId: "s0", expectedToken: 0 });
    assert.ok(held);
    await a.syncShards([...shards("s0", "s1"), { shardId: "s2", parentShardIds: ["s0"] }]);
    const snapshot = await a.snapshot();
    assert.deepEqual(
      snapshot.map((l) => [l.shardId, l.owner, l.fencingToken, l.parentShardIds]),
      [
        ["s0", "A", 1, []],
        ["s1", null, 0, []],
        ["s2", null, 0, ["s0"]],
      ],
    );
    assert.equal(snapshot[0]?.live, true);
  });

  test("checkpoints lists the committed position of each shard that has one, for this stream only", async () => {
    const name = stream();
    const a = store("A", name);
    await a.syncShards(shards("s0", "s1"));
    const other = store("A", stream());
    await other.syncShards(shards("s0"));
    const otherHeld = await other.take({ shardId: "s0", expectedToken: 0 });
    assert.ok(otherHeld);
    await db.transaction().execute((trx) => other.checkpoint(trx, otherHeld, "777"));
    const held = await a.take({ shardId: "s0", expectedToken: 0 });
    assert.ok(held);
    assert.deepEqual([...(await a.checkpoints())], [], "nothing committed yet on this stream");
    await db.transaction().execute((trx) => a.checkpoint(trx, held, "495:3"));
    assert.deepEqual([...(await a.checkpoints())], [["s0", "495:3"]]);
  });

  test("of two workers racing for the same shard exactly one wins", async () => {
    const name = stream();
    const [a, b] = [store("A", name), store("B", name)];
    await a.syncShards(shards("s0"));
    const results = await Promise.all([
      a.take({ shardId: "s0", expectedToken: 0 }),
      b.take({ shardId: "s0", expectedToken: 0 }),
    ]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await a.snapshot())[0]?.fencingToken, 1);
  });

  test("a live lease cannot be taken as free; an expired one can, with a new token and the old checkpoint", async () => {
    const name = stream();
    const a = store("A", name, 300);
    const b = store("B", name, 300);
    await a.syncShards(shards("s0"));
    const lease = (await a.take({ shardId: "s0", expectedToken: 0 }))!;
    await db.transaction().execute((trx) => a.checkpoint(trx, lease, "12345"));
    assert.equal(
      await b.take({ shardId: "s0", expectedToken: 1 }),
      undefined,
      "live lease must not be taken",
    );
    assert.deepEqual(planLeaseTakes(await b.snapshot(), "B"), []);

    await new Promise((resolve) => setTimeout(resolve, 400)); // A stops renewing: its lease expires
    const plan = planLeaseTakes(await b.snapshot(), "B");
    assert.deepEqual(plan, [{ shardId: "s0", expectedToken: 1 }]);
    const takeover = await b.take(plan[0]!);
    assert.deepEqual(takeover, { shardId: "s0", fencingToken: 2, checkpoint: "12345" });

    // A, back from a pause, can neither renew nor checkpoint.
    assert.deepEqual(await a.renew(new Map([["s0", 1]])), ["s0"]);
    await assert.rejects(
      db.transaction().execute((trx) => a.checkpoint(trx, lease, "99999")),
      (error: Error) => error instanceof LeaseLostError && /no longer held/.test(error.message),
    );
    const row = await db
      .withTables<{ shard_leases: { checkpoint: string; shard_id: string } }>()
      .selectFrom("shard_leases")
      .select("checkpoint")
      .where("shard_id", "=", "s0")
      .where("checkpoint", "=", "12345")
      .execute();
    assert.equal(row.length, 1);
  });

  test("renewal keeps a lease alive beyond its TTL", async () => {
    const name = stream();
    const a = store("A", name, 300);
    const b = store("B", name, 300);
    await a.syncShards(shards("s0"));
    const lease = (await a.take({ shardId: "s0", expectedToken: 0 }))!;
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.deepEqual(await a.renew(new Map([["s0", lease.fencingToken]])), []);
    }
    assert.equal(await b.take({ shardId: "s0", expectedToken: lease.fencingToken }), undefined);
  });

  test("a stolen lease fences the victim's checkpoint inside its transaction (rolled back)", async () => {
    const name = stream();
    const [a, b] = [store("A", name), store("B", name)];
    await a.syncShards(shards("s0", "s1"));
    const s0 = (await a.take({ shardId: "s0", expectedToken: 0 }))!;
    await a.take({ shardId: "s1", expectedToken: 0 });
    const plan = planLeaseTakes(await b.snapshot(), "B");
    assert.equal(plan.length, 1);
    assert.equal(plan[0]?.stealFrom, "A");
    assert.ok(await b.take(plan[0]!));

    const stolen = plan[0]!.shardId === "s0" ? s0 : undefined;
    assert.ok(stolen, "the balancer steals the lowest shard id");
    // The victim's batch transaction: some write, then the fenced checkpoint → everything rolls back.
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto("products")
          .values({
            sku: "FENCE",
            name: "x",
            unit_price: 1,
            currency: "EUR",
            stock: 1,
            updated_at: new Date(),
          })
          .execute();
        await a.checkpoint(trx, stolen, "555");
      }),
      LeaseLostError,
    );
    assert.equal(
      (await db.selectFrom("products").select("sku").where("sku", "=", "FENCE").execute()).length,
      0,
    );
  });

  test("finish marks SHARD_END, frees the lease and its children become available", async () => {
    const name = stream();
    const a = store("A", name);
    await a.syncShards([
      ...shards("p"),
      { shardId: "c1", parentShardIds: ["p"] },
      { shardId: "c2", parentShardIds: ["p"] },
    ]);
    assert.deepEqual(
      planLeaseTakes(await a.snapshot(), "A").map((t) => t.shardId),
      ["p"],
    );
    const parent = (await a.take({ shardId: "p", expectedToken: 0 }))!;
    assert.equal(await a.finish(parent), true);
    const snapshot = await a.snapshot();
    assert.deepEqual(
      snapshot.find((l) => l.shardId === "p"),
      { shardId: "p", parentShardIds: [], owner: null, live: false, fencingToken: 2, finished: true },
    );
    assert.deepEqual(
      planLeaseTakes(snapshot, "A").map((t) => t.shardId),
      ["c1", "c2"],
    );
    assert.equal(
      await a.take({ shardId: "p", expectedToken: 2 }),
      undefined,
      "a finished shard is never taken again",
    );
  });

  test("release keeps the checkpoint, bumps the token and lets another worker take over at once", async () => {
    const name = stream();
    const [a, b] = [store("A", name), store("B", name)];
    await a.syncShards(shards("s0"));
    const lease = (await a.take({ shardId: "s0", expectedToken: 0 }))!;
    await db.transaction().execute((trx) => a.checkpoint(trx, lease, "777"));
    assert.equal(await a.release(lease), true);
    assert.equal(await a.release(lease), false, "a second release is a no-op");
    const plan = planLeaseTakes(await b.snapshot(), "B");
    assert.deepEqual(await b.take(plan[0]!), { shardId: "s0", fencingToken: 3, checkpoint: "777" });
  });
});
