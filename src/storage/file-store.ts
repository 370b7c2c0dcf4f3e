// Files kept in the database (uploads and the result files of their jobs), in parts: a part is written in
// the transaction that commits what it belongs to (an upload's parts before its row, a result file's lines
// with the job's checkpoint), so every server of a fleet reads exactly what was committed.
import type { Engine } from './database.js';
import { all, prepare, write, type Params, type Script } from './script.js';

/** A part of a stored file: its first byte's position and its bytes. */
export interface FilePart {
  at: number;
  data: Buffer;
}

export function createFileStore(engine: Engine) {
  const db = engine.kysely;

  // A name is claimed by its first part: a second claim of the same name inserts nothing.
  const insert = prepare((p: Params<{ org: number; name: string; at: number; data: Uint8Array }>) =>
    db
      .insertInto('file_part')
      .values({ org_id: p.org, name: p.name, at_byte: p.at, data: p.data })
      .onConflict((oc) => oc.columns(['org_id', 'name', 'at_byte']).doNothing()),
  );

  const parts = prepare(
    (p: Params<{ org: number; name: string; from: number; below: number; limit: number }>) =>
      db
        .selectFrom('file_part')
        .select(['at_byte', 'data'])
        .where('org_id', '=', p.org)
        .where('name', '=', p.name)
        .where('at_byte', '>=', p.from)
        .where('at_byte', '<', p.below)
        .orderBy('at_byte')
        .limit(p.limit),
  );

  const remove = prepare((p: Params<{ org: number; name: string }>) =>
    db.deleteFrom('file_part').where('org_id', '=', p.org).where('name', '=', p.name),
  );

  return {
    /** Writes a part; false when that name already has a part at `at` (a name taken, or a part written). */
    *put(org: number, name: string, at: number, data: Uint8Array): Script<boolean> {
      return (yield* write(insert, { org, name, at, data })) === 1;
    },
    /** Up to `limit` parts starting at or after byte `from` and before byte `below`, in file order. */
    *parts(org: number, name: string, from: number, below: number, limit: number): Script<FilePart[]> {
      const found = yield* all(parts, { org, name, from, below, limit });
      return found.map((r) => ({
        at: Number(r.at_byte),
        data: Buffer.isBuffer(r.data) ? r.data : Buffer.from(r.data),
      }));
    },
    *remove(org: number, name: string): Script<void> {
      yield* write(remove, { org, name });
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
