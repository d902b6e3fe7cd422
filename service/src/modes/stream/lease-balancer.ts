/**
 * Which shard leases a worker should take this round: a pure function of the lease table, so the
 * fair-share rules are tested without a database.
 *
 * Rules (in the spirit of the KCL's lease taker, kept deliberately simple):
 * - A shard is *available* when it has not reached SHARD_END and every parent shard has (a parent
 *   that is no longer in the table has aged out of the stream: it counts as finished). This keeps
 *   per-key order across a reshard: children start only after the parent was read to its end.
 * - Live workers are the owners of unexpired leases, plus this worker. The fair share is
 *   ceil(available / live workers).
 * - Under its share, a worker takes free leases (never owned, released, or expired — the owner died).
 * - Under its share with nothing free, it steals ONE lease from the most loaded worker, and only when
 *   that worker holds at least two more than it does — stealing at a difference of one would just move
 *   the imbalance around. One steal per round lets the victim notice and the counts settle.
 */

export interface LeaseSnapshot {
  shardId: string;
  parentShardIds: string[];
  owner: string | null;
  /** True when the lease has an owner whose lease has not expired (by the database clock). */
  live: boolean;
  fencingToken: number;
  finished: boolean;
}

export interface LeaseTake {
  shardId: string;
  /** The token read in the snapshot: the take succeeds only if nobody changed the lease since. */
  expectedToken: number;
  /** The owner being stolen from, or undefined for a free lease. */
  stealFrom?: string;
}

export function availableShards(leases: readonly LeaseSnapshot[]): LeaseSnapshot[] {
  const byId = new Map(leases.map((lease) => [lease.shardId, lease]));
  return leases.filter(
    (lease) => !lease.finished && lease.parentShardIds.every((parent) => byId.get(parent)?.finished ?? true),
  );
}

function fairShare(available: number, liveWorkers: number): number {
  return liveWorkers === 0 ? available : Math.ceil(available / liveWorkers);
}

/**
 * Plans this round's takes for worker `me`. `maxTakes` bounds how many free leases one round takes, so a
 * worker starting beside others does not grab everything before their first round.
 */
export function planLeaseTakes(
  leases: readonly LeaseSnapshot[],
  me: string,
  maxTakes = Infinity,
): LeaseTake[] {
  const available = availableShards(leases);
  const counts = new Map<string, number>([[me, 0]]);
  for (const lease of available) {
    if (lease.owner !== null && lease.live) counts.set(lease.owner, (counts.get(lease.owner) ?? 0) + 1);
  }
  const target = fairShare(available.length, counts.size);
  const mine = counts.get(me) ?? 0;
  if (mine >= target) return [];

  const free = available.filter((lease) => lease.owner === null || !lease.live);
  // Prefer leases nobody held over leases of a dead owner: equal for correctness, but it spreads a
  // fresh fleet's start-up evenly. Then by shard id so concurrent takers contend predictably.
  free.sort(
    (a, b) => Number(a.owner !== null) - Number(b.owner !== null) || a.shardId.localeCompare(b.shardId),
  );
  const wanted = Math.min(target - mine, maxTakes);
  if (free.length > 0) {
    return free
      .slice(0, wanted)
      .map((lease) => ({ shardId: lease.shardId, expectedToken: lease.fencingToken }));
  }

  let victim: string | undefined;
  let victimCount = 0;
  for (const [owner, count] of counts) {
    if (
      owner !== me &&
      (count > victimCount || (count === victimCount && victim !== undefined && owner < victim))
    ) {
      victim = owner;
      victimCount = count;
    }
  }
  if (victim === undefined || victimCount - mine < 2) return [];
  const candidate = available
    .filter((lease) => lease.owner === victim && lease.live)
    .sort((a, b) => a.shardId.localeCompare(b.shardId))[0];
  return candidate
    ? [{ shardId: candidate.shardId, expectedToken: candidate.fencingToken, stealFrom: victim }]
    : [];
}
