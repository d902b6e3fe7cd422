/**
 * Which open shard owns which hash-key range, so the producer can aggregate orders per target shard:
 * an aggregated record lands on the shard of its first order's key, and every other order in it must
 * map to that shard too, or it would be read from a shard its key does not belong to.
 *
 * Loaded with ListShards (paged) and refreshed every `refreshMs`, or at once when Kinesis placed an
 * aggregate on another shard than the map predicted (a reshard happened). Until the first load
 * succeeds `shardOf` answers undefined and the producer sends one order per record, which is always
 * correct. https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html
 */
import { type KinesisClient, ListShardsCommand, type Shard } from "@aws-sdk/client-kinesis";
import type { Logger } from "pino";

interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
}

export class ShardMap {
  private ranges: ShardRange[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly refreshMs = 60_000,
    private readonly logger?: Logger,
  ) {}

  /** The open shard whose range holds `hashKey`; undefined while no map is loaded. Starts a due refresh. */
  shardOf(hashKey: bigint): string | undefined {
    if (Date.now() - this.loadedAt > this.refreshMs) void this.refresh();
    const ranges = this.ranges;
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = ranges[middle]!;
      if (hashKey < range.start) high = middle - 1;
      else if (hashKey > range.end) low = middle + 1;
      else return range.shardId;
    }
    return undefined;
  }

  /** Loads the map now (one load at a time); a failure keeps the previous map and is logged. */
  refresh(): Promise<void> {
    this.loading ??= this.load()
      .catch((error: unknown) => {
        this.logger?.warn({ err: error }, "ListShards failed; keeping the previous shard map");
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async load(): Promise<void> {
    // Set first, so a failing ListShards is retried once per refreshMs, not on every order.
    this.loadedAt = Date.now();
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }),
      );
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    // Closed shards (an ending sequence number) take no more writes; only open ones own a range.
    this.ranges = shards
      .filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined)
      .map((shard) => ({
        shardId: shard.ShardId ?? "",
        start: BigInt(shard.HashKeyRange?.StartingHashKey ?? "0"),
        end: BigInt(shard.HashKeyRange?.EndingHashKey ?? "0"),
      }))
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }
}
