// The node registry's rows and the commands nodes leave for one another (src/nodes/).
import type { Kysely, Selectable } from 'kysely';
import type { Database, NodeCommandTable, NodeTable } from '../schema.js';

export type NodeRow = Selectable<NodeTable>;
export type NodeCommand = Selectable<NodeCommandTable>;

export interface NodeRepo {
  /** Writes this node's row (inserted the first time, replaced afterwards). */
  upsert(row: NodeRow): Promise<void>;
  list(): Promise<NodeRow[]>;
  /** Removes rows not seen since `before` (ISO), and commands left before it; returns how many rows. */
  prune(before: string): Promise<number>;
  /** Removes one node's row and its commands: the node stopped cleanly. */
  remove(nodeId: string): Promise<void>;
  addCommand(command: NodeCommand): Promise<void>;
  /** Takes (reads and deletes) the commands left for `nodeId`. */
  takeCommands(nodeId: string): Promise<NodeCommand[]>;
}

export function nodeRepo(db: Kysely<Database>): NodeRepo {
  return {
    async upsert(row) {
      await db.insertInto('nodes').values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: row.seen_at, version: row.version, mode: row.mode, stats: row.stats }))
        .execute();
    },
    list: () => db.selectFrom('nodes').selectAll().orderBy('started_at').orderBy('id').execute(),
    async prune(before) {
      const r = await db.deleteFrom('nodes').where('seen_at', '<', before).executeTakeFirst();
      await db.deleteFrom('node_commands').where('created_at', '<', before).execute();
      return Number(r.numDeletedRows);
    },
    async remove(nodeId) {
      await db.deleteFrom('nodes').where('id', '=', nodeId).execute();
      await db.deleteFrom('node_commands').where('node_id', '=', nodeId).execute();
    },
    async addCommand(command) {
      await db.insertInto('node_commands').values(command).execute();
    },
    async takeCommands(nodeId) {
      const rows = await db.selectFrom('node_commands').selectAll().where('node_id', '=', nodeId).orderBy('created_at').execute();
      if (rows.length > 0) await db.deleteFrom('node_commands').where('id', 'in', rows.map((r) => r.id)).execute();
      return rows;
    },
  };
}
