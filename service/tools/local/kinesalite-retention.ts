/**
 * Deleting what the local stream's consumers have committed and no one needs any more.
 *
 * kinesalite keeps every record it is given: it deletes past-retention records only when a GetRecords
 * walks over them, and a worker resuming after its checkpoint never does. So at 1,000 orders/s the
 * on-disk store grew ~930 MB an hour, and LevelDB's table cache (index blocks of every table file it
 * has opened, in native memory) grew with it. The laptop stream therefore keeps a record only while
 * it is younger than the local retention OR not yet committed by the worker that owns its shard
 * (shard_leases.checkpoint): an accepted order is never deleted before the database holds it, whatever
 * the retention, and a stopped worker only makes the store grow until it catches up.
 *
 * This reaches into kinesalite's store (its `db` module, pinned by the lockfile): kinesalite has no
 * API to delete records. Records are keys `<shard index, 8 hex digits>/<sequence number>` in the
 * stream's sublevel; their sequence numbers carry the time they were written.
 */
import { createRequire } from "node:module";

/** The parts of kinesalite's store (kinesalite/db `create`) this module uses. */
export interface KinesaliteStore {
  db: { compactRange?(start: string, end: string, callback: (error?: Error) => void): void };
  metaDb: { get(name: string, callback: (error: Error | null, stream?: unknown) => void): void };
  getStreamDb(name: string): StreamDb;
}

interface StreamDb {
  createKeyStream(options: { gte: string; lt: string; limit?: number }): NodeJS.ReadableStream;
  batch(operations: { type: "del"; key: string }[], callback: (error?: Error) => void): void;
}

interface KinesaliteDbModule {
  create(options: object): KinesaliteStore;
  /** Throws on a string that is not a kinesalite sequence number. */
  parseSequence(sequenceNumber: string): { seqTime?: number; shardIx?: number; shardCreateTime?: number };
  shardIxToHex(shardIndex: number): string;
  resolveShardId(shardId: string): { shardIx: number };
}

const require = createRequire(import.meta.url);
const kinesaliteDb = (): KinesaliteDbModule => require("kinesalite/db/index.js") as KinesaliteDbModule;

/**
 * Creates a kinesalite server and returns it with its store. kinesalite calls `db.create` once while
 * building the server; wrapping it for that one call is the only way to reach the store it made.
 */
export function createKinesaliteWithStore<Server>(
  createServer: (options: object) => Server,
  options: object,
): { server: Server; store: KinesaliteStore } {
  const dbModule = kinesaliteDb();
  const create = dbModule.create;
  let store: KinesaliteStore | undefined;
  dbModule.create = (storeOptions: object) => {
    store = create(storeOptions);
    return store;
  };
  try {
    const server = createServer(options);
    if (!store)
      throw new Error("kinesalite did not create its store through kinesalite/db (a changed version?)");
    return { server, store };
  } finally {
    dbModule.create = create;
  }
}

/** One trim: the stream, the committed position of each shard, and the retention cut-off. */
export interface TrimRequest {
  streamName: string;
  /**
   * shardId → a sequence number of that shard (the checkpoint's): records before it may go. The
   * record itself stays — a partly committed aggregated record is still needed, and keeping a fully
   * committed one costs one record per shard.
   */
  keepFrom: Record<string, string>;
  /** Records written before this time (ms since the epoch) may go once they are committed. */
  cutoffMs: number;
}

export interface TrimResult {
  /** Records deleted, by shard. */
  deleted: Record<string, number>;
  /**
   * Shards left alone because their `keepFrom` is not a sequence number of that shard of this
   * stream (a checkpoint of an earlier stream of the same name, or of another shard).
   */
  mismatched: string[];
}

/** Deletes at most this many keys per LevelDB batch, so one trim never holds a huge batch in memory. */
const DELETE_BATCH = 5_000;

interface KinesaliteShard {
  ShardId: string;
  SequenceNumberRange: { StartingSequenceNumber: string };
}

/**
 * Deletes, in each shard named in `keepFrom`, the records before its sequence number that were written
 * before `cutoffMs`. Records of a shard are in sequence order (every sequence number of a stream has
 * the same number of digits, so key order is number order), and sequence order is write order, so the
 * walk stops at the first record that is still needed. On disk, the deleted ranges are compacted at
 * once, so LevelDB drops their files instead of carrying the deletions until a later compaction.
 */
export async function trimCommittedRecords(
  store: KinesaliteStore,
  request: TrimRequest,
): Promise<TrimResult> {
  if (!Number.isFinite(request.cutoffMs))
    throw new Error(`trim: cutoffMs must be a time in ms, got ${request.cutoffMs}`);
  const { parseSequence, shardIxToHex, resolveShardId } = kinesaliteDb();
  // Written within the retention — or of unknown age — is not expired.
  const writtenAt = (sequenceNumber: string) =>
    parseSequence(sequenceNumber).seqTime ?? Number.POSITIVE_INFINITY;
  const firstNotExpired = (keys: string[], written: (key: string) => number) => {
    // Binary search: a shard's records are in write order, and parsing a sequence number is
    // big-number arithmetic on kinesalite's thread, which also serves every PutRecords — so a batch
    // costs about 13 parses, not 5,000. (Were the clock to step back, a record written a moment
    // after the cut-off might go with its neighbours: it is committed either way.)
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (written(keys[middle]!) < request.cutoffMs) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const stream = await new Promise<{ Shards: KinesaliteShard[] } | undefined>((resolve, reject) =>
    store.metaDb.get(request.streamName, (error, found) => {
      if (error && (error as { name?: string }).name === "NotFoundError") resolve(undefined);
      else if (error) reject(error);
      else resolve(found as { Shards: KinesaliteShard[] } | undefined);
    }),
  );
  const result: TrimResult = { deleted: {}, mismatched: [] };
  if (!stream) return result;
  const shards = new Map(stream.Shards.map((shard) => [shard.ShardId, shard]));
  const streamDb = store.getStreamDb(request.streamName);
  const compacted: [string, string][] = [];
  for (const [shardId, keepFrom] of Object.entries(request.keepFrom)) {
    const shard = shards.get(shardId);
    if (!shard) continue;
    const shardIndex = resolveShardId(shardId).shardIx;
    if (!belongsTo(parseSequence, keepFrom, shardIndex, shard.SequenceNumberRange.StartingSequenceNumber)) {
      result.mismatched.push(shardId);
      continue;
    }
    const shardHex = shardIxToHex(shardIndex);
    const keepKey = `${shardHex}/${keepFrom}`;
    let count = 0;
    let from = `${shardHex}/`;
    let lastDeleted: string | undefined;
    for (;;) {
      const keys = await readKeys(streamDb, from, keepKey, DELETE_BATCH);
      const expired = keys.slice(
        0,
        firstNotExpired(keys, (key) => writtenAt(key.slice(shardHex.length + 1))),
      );
      if (expired.length > 0) {
        await new Promise<void>((resolve, reject) =>
          streamDb.batch(
            expired.map((key) => ({ type: "del", key })),
            (error) => (error ? reject(error) : resolve()),
          ),
        );
        count += expired.length;
        lastDeleted = expired.at(-1)!;
        // On from the last key read, not from the shard's start: the deleted keys are tombstones until
        // compaction, and walking them again would make each batch slower than the last.
        from = `${lastDeleted}\x00`;
      }
      if (expired.length < DELETE_BATCH) break;
    }
    result.deleted[shardId] = count;
    if (lastDeleted !== undefined) compacted.push([`${shardHex}/`, lastDeleted]);
  }
  const compactRange = store.db.compactRange;
  if (compactRange) {
    const prefix = `!stream-${request.streamName}!`;
    for (const [start, end] of compacted) {
      await new Promise<void>((resolve, reject) =>
        compactRange.call(store.db, `${prefix}${start}`, `${prefix}${end}`, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
    }
  }
  return result;
}

/**
 * Whether `sequenceNumber` is one kinesalite gave out in this shard: the same shard index and the
 * same shard creation time as the shard's starting sequence number. A checkpoint of an earlier
 * stream of the same name (a reused database) fails this, and trimming up to it could delete
 * records nobody has read.
 */
function belongsTo(
  parseSequence: KinesaliteDbModule["parseSequence"],
  sequenceNumber: string,
  shardIndex: number,
  startingSequenceNumber: string,
): boolean {
  try {
    const parsed = parseSequence(sequenceNumber);
    const start = parseSequence(startingSequenceNumber);
    return (
      /^\d+$/.test(sequenceNumber) &&
      sequenceNumber.length === startingSequenceNumber.length &&
      parsed.shardIx === shardIndex &&
      parsed.shardCreateTime !== undefined &&
      parsed.shardCreateTime === start.shardCreateTime
    );
  } catch {
    return false;
  }
}

function readKeys(streamDb: StreamDb, gte: string, lt: string, limit: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const keys: string[] = [];
    streamDb
      .createKeyStream({ gte, lt, limit })
      .on("data", (key: string) => keys.push(key))
      .on("error", reject)
      .on("end", () => resolve(keys));
  });
}
