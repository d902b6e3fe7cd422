/**
 * Order ids are owned: a client-chosen orderId is claimed synchronously for the order's customer, so a
 * second customer (or an admin ordering for someone else) reusing it gets a 409 problem naming
 * orderId — never a 202 for an order a worker would drop — and the owner's reads are unaffected at
 * every moment: before and after a worker decided it, in stream and table mode, with a working cache
 * (Redis when REDIS_URL is set), an in-memory one and a dead one. The claim itself on both engines.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { MemoryStatusCache } from "../src/cache/memory-cache.js";
import type { StatusCache } from "../src/cache/types.js";
import { TableOrderIntake } from "../src/modes/table/table-intake.js";
import { OrderIdClaimer } from "../src/store/order-id-claimer.js";
import { claimOrderId, claimOrderIds } from "../src/store/order-id-claims.js";
import { claimPendingOrders } from "../src/store/pending.js";
import { applyOrders } from "../src/store/processing.js";
import { withTransaction } from "../src/store/transaction.js";
import { ENGINES, migratedDatabase } from "./store-helpers.js";
import { type ApiHarness, createApiHarness, problemOf } from "./support/api-harness.js";

let h: ApiHarness;
let alice: Record<string, string>;
let bob: Record<string, string>;
let admin: Record<string, string>;

before(async () => {
  h = await createApiHarness("api_ownership");
  await h.products([{ sku: "OWN-1", name: "Owned", unitPrice: 10, currency: "EUR", stock: 1_000 }]);
  [alice, bob, admin] = await Promise.all([h.customer("alice"), h.customer("bob"), h.admin()]);
});
after(() => h.close());

const body = (orderId: string, customerId: string) => ({
  orderId,
  customerId,
  currency: "EUR",
  items: [{ sku: "OWN-1", quantity: 1 }],
});

async function post(app: FastifyInstance, headers: Record<string, string>, payload: object) {
  return app.inject({ method: "POST", url: "/orders", headers, payload });
}

async function read(app: FastifyInstance, headers: Record<string, string>, orderId: string) {
  const res = await app.inject({ method: "GET", url: `/orders/${orderId}`, headers });
  return { status: res.statusCode, body: res.statusCode === 200 ? res.json() : undefined };
}

function assertTaken(res: Awaited<ReturnType<typeof post>>) {
  assert.equal(res.statusCode, 409, res.body);
  const problem = problemOf(res);
  assert.equal(problem.errors?.[0]?.field, "orderId");
  assert.match(problem.detail, /belongs to another customer/);
}

type Mode = "stream" | "table";
const caches: [string, () => StatusCache][] = [
  ["the harness cache (Redis when REDIS_URL is set)", () => h.cache],
  ["an in-memory cache", () => new MemoryStatusCache()],
  ["a dead Redis", () => h.deadCache()],
];

for (const mode of ["stream", "table"] as Mode[]) {
  for (const [cacheLabel, cache] of caches) {
    test(`${mode} mode, ${cacheLabel}: a reused id is a 409 and the owner's order is never shadowed`, async () => {
      const app = await h.buildAnother({
        cache: cache(),
        ...(mode === "table" ? { intake: new TableOrderIntake(h.db) } : {}),
      });
      const orderId = randomUUID();
      const submittedBefore = h.intake.submitted.length;
      assert.equal((await post(app, alice, body(orderId, "alice"))).statusCode, 202);
      const ownersView = async () => {
        const view = await read(app, alice, orderId);
        assert.equal(view.status, 200, "the owner always reads their order");
        assert.equal(view.body.customerId, "alice");
        return view.body.status as string;
      };
      const pendingOrAbsent = mode === "stream" && cacheLabel === "a dead Redis";
      if (!pendingOrAbsent) assert.equal(await ownersView(), "PENDING");

      assertTaken(await post(app, bob, body(orderId, "bob")));
      assertTaken(await post(app, { ...bob, "idempotency-key": `k-${orderId}` }, body(orderId, "bob")));
      assertTaken(await post(app, admin, body(orderId, "carol")));
      assert.equal((await read(app, bob, orderId)).status, 404, "the other customer sees nothing");
      if (!pendingOrAbsent) assert.equal(await ownersView(), "PENDING");
      // The owner retrying is fine: the id is theirs.
      assert.equal((await post(app, alice, body(orderId, "alice"))).statusCode, 202);

      // Decide it as a worker would, then try again: still 409, and the owner reads the decision.
      if (mode === "stream") {
        const mine = h.intake.submitted.slice(submittedBefore).filter((o) => o.orderId === orderId);
        assert.ok(
          mine.every((o) => o.customerId === "alice"),
          "only the owner's order reached the stream",
        );
        await h.decide(mine.slice(0, 1));
      } else {
        await withTransaction(h.db, async (trx) => {
          const claimed = await claimPendingOrders(trx, 1, [orderId]);
          await applyOrders(trx, claimed, new Date());
        });
      }
      assertTaken(await post(app, bob, body(orderId, "bob")));
      assert.equal(await ownersView(), "CONFIRMED");
    });
  }
}

test("two customers racing for one new id: exactly one 202, one 409", async () => {
  for (let round = 0; round < 5; round++) {
    const orderId = randomUUID();
    const [a, b] = await Promise.all([
      post(h.app, alice, body(orderId, "alice")),
      post(h.app, bob, body(orderId, "bob")),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [202, 409]);
  }
});

test("an order stored without a claim (another producer on the stream) is owned by its stored customer", async () => {
  const orderId = randomUUID();
  await h.decide([
    {
      orderId,
      customerId: "alice",
      currency: "EUR",
      items: [{ sku: "OWN-1", quantity: 1 }],
      acceptedAt: new Date().toISOString(),
    },
  ]);
  assertTaken(await post(h.app, bob, body(orderId, "bob")));
  assert.equal((await read(h.app, alice, orderId)).body.status, "CONFIRMED");
});

for (const { engine, skip } of ENGINES) {
  describe(`claimOrderId on ${engine}`, { skip }, () => {
    test("first customer owns the id; ids compare exactly", async () => {
      const m = await migratedDatabase("claims", 2, engine);
      try {
        const id = randomUUID();
        assert.equal(await claimOrderId(m.db, id, "Alice"), true);
        assert.equal(await claimOrderId(m.db, id, "alice"), false, "customer ids are case-sensitive");
        assert.equal(await claimOrderId(m.db, id, "Alice"), true, "claiming again is idempotent");
      } finally {
        await m.close();
      }
    });

    test("one set-based claim: stored orders, earlier claims, fresh ids and a contested id in one call", async () => {
      const m = await migratedDatabase("claims_set", 2, engine);
      try {
        const [earlier, fresh, contested] = [randomUUID(), randomUUID(), randomUUID()];
        assert.equal(await claimOrderId(m.db, earlier, "carol"), true);
        const owners = await claimOrderIds(m.db, [
          { orderId: earlier, customerId: "dave" },
          { orderId: contested, customerId: "erin" },
          { orderId: fresh, customerId: "frank" },
          { orderId: contested, customerId: "gina" },
        ]);
        assert.equal(owners.get(earlier), "carol", "an earlier claim holds");
        assert.equal(owners.get(fresh), "frank");
        assert.equal(owners.get(contested), "erin", "the first claimant in the call wins");
        assert.equal(await claimOrderId(m.db, contested, "gina"), false, "and keeps it afterwards");
      } finally {
        await m.close();
      }
    });

    test("two API processes (two claimers) racing for the same ids: each id has exactly one owner", async () => {
      const m = await migratedDatabase("claims_race", 2, engine);
      const [first, second] = [new OrderIdClaimer(m.db), new OrderIdClaimer(m.db)];
      try {
        const ids = Array.from({ length: 300 }, () => randomUUID());
        const [kim, lee] = await Promise.all([
          Promise.all(ids.map((id) => first.claim(id, "kim"))),
          Promise.all(ids.map((id) => second.claim(id, "lee"))),
        ]);
        for (const [n, id] of ids.entries()) {
          assert.notEqual(kim[n], lee[n], `${id}: exactly one of kim and lee owns it`);
        }
        const owners = await claimOrderIds(
          m.db,
          ids.map((orderId) => ({ orderId, customerId: "nobody" })),
        );
        for (const [n, id] of ids.entries()) assert.equal(owners.get(id), kim[n] ? "kim" : "lee", id);
      } finally {
        await Promise.all([first.close(), second.close()]);
        await m.close();
      }
    });

    test("the claimer groups concurrent claims; a claim that fails fails only its own request", async () => {
      const m = await migratedDatabase("claims_batched", 2, engine);
      const claimer = new OrderIdClaimer(m.db);
      try {
        const ids = Array.from({ length: 200 }, () => randomUUID());
        const contested = ids[0]!;
        const outcomes = await Promise.allSettled([
          ...ids.map((id) => claimer.claim(id, "henry")),
          claimer.claim(contested, "iris"),
          // Not a UUID: PostgreSQL refuses the whole statement; the batch is retried claim by claim.
          claimer.claim("not-a-uuid", "jack"),
        ]);
        const values = outcomes.map((o) => (o.status === "fulfilled" ? o.value : o.reason));
        assert.deepEqual(
          values.slice(0, ids.length),
          ids.map(() => true),
          "every fresh id is henry's",
        );
        assert.equal(values[ids.length], false, "iris lost the contested id to henry");
        if (engine === "postgres") assert.ok(values[ids.length + 1] instanceof Error, "the bad claim failed");
        const owners = await claimOrderIds(
          m.db,
          ids.map((orderId) => ({ orderId, customerId: "nobody" })),
        );
        assert.equal([...owners.values()].filter((owner) => owner === "henry").length, ids.length);
      } finally {
        await claimer.close();
        await m.close();
      }
    });
  });
}
