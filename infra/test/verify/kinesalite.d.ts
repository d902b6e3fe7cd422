// kinesalite ships no types; this is the part of its API the verifier tests use.
declare module "kinesalite" {
  import type { Server } from "node:http";

  function kinesalite(options?: {
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
  }): Server;
  export default kinesalite;
}
