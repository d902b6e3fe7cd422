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
  metaDb: { get(name: string, callback: (error: Error | null, stream?: KinesaliteStream) => void): void };
  getStreamDb(name: string): StreamDb;
}

interface KinesaliteStream {
  Shards: { ShardId: string }[];
}

interface StreamDb {
  createKeyStream(options: { gte: string; lt: string; limit?: number }): NodeJS.ReadableStream;
  batch(operations: { type: "del"; key: string }[], callback: (error?: Error) => void): void;
}

interface KinesaliteDbModule {
  create(options: object): KinesaliteStore;
  parseSequence(sequenceNumber: string): { seqTime?: number };
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
  /** shardId → the sequence number of the oldest record still needed (the checkpoint's record). */
  keepFrom: Record<string, string>;
  /** Records written before this time (ms since the epoch) may go once they are committed. */
  cutoffMs: number;
}

export interface TrimResult {
  /** Records deleted, by shard. */
  deleted: Record<string, number>;
}

/** Deletes at most this many keys per LevelDB batch, so one trim never holds a huge batch in memory. */
const DELETE_BATCH = 5_000;

/**
 * Deletes, in each shard named in `keepFrom`, the records before its sequence number that were written
 * before `cutoffMs`. Records of a shard are in sequence order, and sequence order is write order, so
 * the walk stops at the first record that is still needed. On disk, the deleted range is compacted at
 * once, so LevelDB drops its files instead of carrying the deletions until a later compaction.
 */
export async function trimCommittedRecords(
  store: KinesaliteStore,
  request: TrimRequest,
): Promise<TrimResult> {
  const { parseSequence, shardIxToHex, resolveShardId } = kinesaliteDb();
  const stream = await new Promise<KinesaliteStream | undefined>((resolve, reject) =>
    store.metaDb.get(request.streamName, (error, found) => {
      if (error && (error as { name?: string }).name === "NotFoundError") resolve(undefined);
      else if (error) reject(error);
      else resolve(found);
    }),
  );
  const deleted: Record<string, number> = {};
  if (!stream) return { deleted };
  const known = new Set(stream.Shards.map((shard) => shard.ShardId));
  const streamDb = store.getStreamDb(request.streamName);
  for (const [shardId, keepFrom] of Object.entries(request.keepFrom)) {
    if (!known.has(shardId)) continue;
    const shardHex = shardIxToHex(resolveShardId(shardId).shardIx);
    const keepKey = `${shardHex}/${keepFrom}`;
    let count = 0;
    let lastDeleted: string | undefined;
    for (;;) {
      const keys = await readKeys(streamDb, `${shardHex}/`, keepKey, DELETE_BATCH);
      const expired: string[] = [];
      for (const key of keys) {
        const written = parseSequence(key.slice(shardHex.length + 1)).seqTime;
        if (written === undefined || written >= request.cutoffMs) break;
        expired.push(key);
      }
      if (expired.length > 0) {
        await new Promise<void>((resolve, reject) =>
          streamDb.batch(
            expired.map((key) => ({ type: "del", key })),
            (error) => (error ? reject(error) : resolve()),
          ),
        );
        count += expired.length;
        lastDeleted = expired.at(-1);
      }
      if (expired.length < DELETE_BATCH) break;
    }
    deleted[shardId] = count;
    const compactRange = store.db.compactRange;
    if (lastDeleted !== undefined && compactRange) {
      const prefix = `!stream-${request.streamName}!`;
      await new Promise<void>((resolve, reject) =>
        compactRange.call(store.db, `${prefix}${shardHex}/`, `${prefix}${lastDeleted}`, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
    }
  }
  return { deleted };
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
