// kinesalite ships no types; this is the part of its API the service uses.
declare module "kinesalite" {
  import type { Server } from "node:http";

  interface KinesaliteOptions {
    /** Milliseconds a stream stays CREATING (default 500). */
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    /** Maximum shards across all streams (default 10). */
    shardLimit?: number;
    /** LevelDB directory; omitted = in memory. */
    path?: string;
    ssl?: boolean;
  }
  function kinesalite(options?: KinesaliteOptions): Server;
  export default kinesalite;
}
