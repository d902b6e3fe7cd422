/**
 * Shard leases and checkpoints in the database (table shard_leases, migration 0002).
 *
 * Each shard of the stream has one row. A worker owns a shard while `owner` is its id and
 * `lease_expires_at` is in the future; it renews every few seconds, and a worker that dies simply stops
 * renewing, so its leases expire and others take them over. Expiry is judged by the database clock, so
 * workers' clocks need not agree.
 *
 * Every change of owner (take, steal, takeover, release, finish) increments `fencing_token`. A worker
 * remembers the token it took the lease with, and its checkpoint write — made inside the same
 * transaction as the batch's orders — matches on owner AND token. If the lease moved on meanwhile
 * (expired and taken over, or stolen for balance), that update matches no row, `checkpoint` throws
 * LeaseLostError, and the whole batch rolls back: a worker that lost its lease cannot commit.
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { LeaseSnapshot, LeaseTake } from "../modes/stream/lease-balancer.js";
import { dialectOf, type SqlDialect } from "./dialect/index.js";
import type { Database, Timestamp } from "./schema.js";

/** The row, as Kysely sees it (the table is created by store/migrations/0002-shard-leases.ts). */
export type ShardLeasesTable = {
  stream_name: string;
  shard_id: string;
  parent_shard_ids: string;
  owner: string | null;
  lease_expires_at: Timestamp | null;
  fencing_token: number;
  checkpoint: string | null;
  finished: boolean;
  updated_at: Timestamp;
};

export type LeaseTables = {
  shard_leases: ShardLeasesTable;
};

/** Columns a new shard's row is inserted with (the rest start NULL). */
const SHARD_LEASE_COLUMNS = [
  { name: "stream_name", pgType: "varchar" },
  { name: "shard_id", pgType: "varchar" },
  { name: "parent_shard_ids", pgType: "varchar" },
  { name: "fencing_token", pgType: "int8" },
  { name: "finished", pgType: "bool" },
  { name: "updated_at", pgType: "timestamptz" },
] as const;

/** Any Kysely instance or transaction over the service schema. */
// biome-ignore lint/suspicious/noExplicitAny: works over Database and over Database + lease tables
type AnyDb = Kysely<any>;

/** A lease this worker holds: the token to fence its writes with and where to resume. */
export interface HeldLease {
  shardId: string;
  fencingToken: number;
  /** Last committed sequence number; undefined = start at the oldest record (TRIM_HORIZON). */
  checkpoint: string | undefined;
}

export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
}

/** The lease moved to another owner (or was released) since this worker took it. */
export class LeaseLostError extends Error {
  constructor(
    readonly streamName: string,
    readonly shardId: string,
    readonly fencingToken: number,
  ) {
    super(
      `lease on ${streamName}/${shardId} (fencing token ${fencingToken}) is no longer held by this worker`,
    );
    this.name = "LeaseLostError";
  }
}

export interface LeaseStoreOptions {
  streamName: string;
  /** Unique per worker process (and per restart): the value of `owner`. */
  workerId: string;
  /** How long a lease lasts without renewal (default 10 s). */
  leaseTtlMs?: number;
}

export class LeaseStore {
  readonly streamName: string;
  readonly workerId: string;
  readonly leaseTtlMs: number;
  private readonly db: Kysely<Database & LeaseTables>;
  private readonly dialect: SqlDialect;

  constructor(db: Kysely<Database>, options: LeaseStoreOptions) {
    this.db = db.withTables<LeaseTables>();
    this.dialect = dialectOf(db);
    this.streamName = options.streamName;
    this.workerId = options.workerId;
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
  }

  /** Records shards the stream lists that the table does not know yet (new stream, or a reshard). */
  async syncShards(shards: readonly ShardInfo[]): Promise<void> {
    if (shards.length === 0) return;
    const now = new Date();
    await this.dialect.insertIfAbsent(this.db, {
      table: "shard_leases",
      keys: ["stream_name", "shard_id"],
      columns: SHARD_LEASE_COLUMNS,
      rows: shards.map((shard) => [
        this.streamName,
        shard.shardId,
        JSON.stringify(shard.parentShardIds),
        0,
        false,
        now,
      ]),
    });
  }

  /** The whole table for this stream, with liveness judged by the database clock. */
  async snapshot(): Promise<LeaseSnapshot[]> {
    const rows = await this.db
      .selectFrom("shard_leases")
      .select([
        "shard_id",
        "parent_shard_ids",
        "owner",
        "fencing_token",
        "finished",
        sql<boolean | number>`(lease_expires_at is not null and lease_expires_at > ${this.dbNow()})`.as(
          "live",
        ),
      ])
      .where("stream_name", "=", this.streamName)
      .orderBy("shard_id")
      .execute();
    return rows.map((row) => ({
      shardId: row.shard_id,
      parentShardIds: JSON.parse(row.parent_shard_ids) as string[],
      owner: row.owner,
      live: row.owner !== null && Boolean(row.live),
      fencingToken: Number(row.fencing_token),
      finished: Boolean(row.finished),
    }));
  }

  /**
   * The committed position of every shard of this stream that has one (shardId → checkpoint, in the
   * format of stream-position.ts): everything before it is in the database.
   */
  async checkpoints(): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom("shard_leases")
      .select(["shard_id", "checkpoint"])
      .where("stream_name", "=", this.streamName)
      .where("checkpoint", "is not", null)
      .execute();
    return new Map(rows.map((row) => [row.shard_id, row.checkpoint as string]));
  }

  /**
   * Takes a lease if nobody changed it since the snapshot (`expectedToken`): two workers racing for the
   * same shard both run this update, and exactly one matches. Free and expired leases are taken; a live
   * one only when stealing from the owner named in the plan.
   */
  async take(plan: LeaseTake): Promise<HeldLease | undefined> {
    let query = this.db
      .updateTable("shard_leases")
      .set({
        owner: this.workerId,
        lease_expires_at: this.expiry(),
        fencing_token: sql<number>`fencing_token + 1`,
        updated_at: new Date(),
      })
      .where("stream_name", "=", this.streamName)
      .where("shard_id", "=", plan.shardId)
      .where("fencing_token", "=", plan.expectedToken)
      .where("finished", "=", false);
    query =
      plan.stealFrom === undefined
        ? query.where((eb) =>
            eb.or([
              eb("owner", "is", null),
              eb("lease_expires_at", "is", null),
              eb("lease_expires_at", "<=", this.dbNow()),
            ]),
          )
        : query.where("owner", "=", plan.stealFrom);
    const result = await query.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    const row = await this.db
      .selectFrom("shard_leases")
      .select(["fencing_token", "checkpoint", "owner"])
      .where("stream_name", "=", this.streamName)
      .where("shard_id", "=", plan.shardId)
      .executeTakeFirstOrThrow();
    // Someone may have taken it in the instant between the update and this read: then we lost it again.
    if (row.owner !== this.workerId || Number(row.fencing_token) !== plan.expectedToken + 1) return undefined;
    return {
      shardId: plan.shardId,
      fencingToken: plan.expectedToken + 1,
      checkpoint: row.checkpoint ?? undefined,
    };
  }

  /**
   * Extends every lease in `held` that this worker still owns with the same token. Returns the shard ids
   * it no longer holds (expired and taken over, or stolen): their loops must stop.
   */
  async renew(held: ReadonlyMap<string, number>): Promise<string[]> {
    if (held.size === 0) return [];
    const ids = [...held.keys()];
    const update = this.db
      .updateTable("shard_leases")
      .set({ lease_expires_at: this.expiry(), updated_at: new Date() })
      .where("stream_name", "=", this.streamName)
      .where("owner", "=", this.workerId)
      .where("shard_id", "in", ids)
      .where("finished", "=", false);
    const renewed = await this.dialect.updateReturning(
      {
        execute: () => update.execute(),
        returning: () => update.returning(["shard_id", "fencing_token"]).execute(),
      },
      // Without RETURNING: read back what we own after the renewal.
      () =>
        this.db
          .selectFrom("shard_leases")
          .select(["shard_id", "fencing_token"])
          .where("stream_name", "=", this.streamName)
          .where("owner", "=", this.workerId)
          .where("shard_id", "in", ids)
          .execute(),
    );
    const stillMine = new Set(
      renewed
        .filter((row) => Number(row.fencing_token) === held.get(row.shard_id))
        .map((row) => row.shard_id),
    );
    return [...held.keys()].filter((shardId) => !stillMine.has(shardId));
  }

  /**
   * Writes the checkpoint inside the batch's transaction, fenced by owner and token. Throws
   * LeaseLostError when no row matched, which rolls the whole batch back.
   */
  async checkpoint(trx: AnyDb, lease: HeldLease, sequenceNumber: string): Promise<void> {
    const result = await trx
      .withTables<LeaseTables>()
      .updateTable("shard_leases")
      .set({ checkpoint: sequenceNumber, updated_at: new Date() })
      .where("stream_name", "=", this.streamName)
      .where("shard_id", "=", lease.shardId)
      .where("owner", "=", this.workerId)
      .where("fencing_token", "=", lease.fencingToken)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new LeaseLostError(this.streamName, lease.shardId, lease.fencingToken);
    // `lease.checkpoint` (where a replay starts reading) is NOT moved here: this runs inside the batch's
    // transaction, which may still roll back. The caller moves it once the transaction has committed.
  }

  /**
   * The shard was read to its end (SHARD_END): mark it finished, so its children become available, and
   * give up ownership. Fenced like a checkpoint. Returns false when the lease was no longer ours.
   */
  finish(lease: HeldLease): Promise<boolean> {
    return this.handOver(lease, { finished: true });
  }

  /** Gives a lease up (shutdown), keeping its checkpoint, so another worker can take it at once. */
  release(lease: HeldLease): Promise<boolean> {
    return this.handOver(lease, {});
  }

  /** Clears the owner (fenced by owner and token), bumping the token so any later write of ours fails. */
  private async handOver(lease: HeldLease, extra: { finished?: true }): Promise<boolean> {
    const result = await this.db
      .updateTable("shard_leases")
      .set({
        ...extra,
        owner: null,
        lease_expires_at: null,
        fencing_token: sql<number>`fencing_token + 1`,
        updated_at: new Date(),
      })
      .where("stream_name", "=", this.streamName)
      .where("shard_id", "=", lease.shardId)
      .where("owner", "=", this.workerId)
      .where("fencing_token", "=", lease.fencingToken)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** "now" on the database server, so lease expiry does not depend on workers' clocks agreeing. */
  private dbNow(): RawBuilder<Date> {
    return this.dialect.now();
  }

  private expiry(): RawBuilder<Date> {
    return this.dialect.nowPlusMillis(this.leaseTtlMs);
  }
}
