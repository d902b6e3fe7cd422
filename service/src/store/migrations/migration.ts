import type { DbEngine } from "../../contract.js";
import type { AnyKysely } from "../dialect/index.js";

/**
 * One schema change. `name` must sort after every earlier migration's name (they are applied in
 * name order and Kysely refuses a new name that sorts before an applied one): use the next
 * `NNNN_` prefix. `engine` lets one migration write the few types that differ per engine.
 */
export interface SchemaMigration {
  readonly name: string;
  up(db: AnyKysely, engine: DbEngine): Promise<void>;
}
