// Upload files and result files kept in the database (storage/file-store.ts), so that every server of a
// fleet on one database reaches them: an upload accepted by one server is read by whichever worker claims
// its job, and a result file downloads from any server. A server's data folder only caches an uploaded file
// for the job that reads it (the job streams it twice, from disk).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Engine } from '../storage/database.js';
import type { FileStore } from '../storage/file-store.js';

/** The size of an uploaded file's parts: one part per write transaction, so no lock is held for long. */
export const UPLOAD_PART_BYTES = 1024 * 1024;
/** Parts read per query when streaming a file back. */
const PARTS_PER_READ = 8;

export interface StoredFileDeps {
  engine: Engine;
  stores: { file: FileStore };
}

export function createStoredFiles(deps: StoredFileDeps) {
  const { engine, stores } = deps;

  async function remove(org: number, name: string): Promise<void> {
    await engine.run(() => stores.file.remove(org, name), { write: true });
  }

  /** The file's bytes below `bytes` (all of them when undefined), streamed a few parts per query. */
  function stream(org: number, name: string, bytes = Number.MAX_SAFE_INTEGER): Readable {
    async function* read(): AsyncGenerator<Buffer> {
      let from = 0;
      for (;;) {
        const parts = await engine.run(() => stores.file.parts(org, name, from, bytes, PARTS_PER_READ));
        for (const p of parts) {
          if (p.at !== from) throw new Error(`${name}: part at ${from} missing`);
          const data = p.at + p.data.length > bytes ? p.data.subarray(0, bytes - p.at) : p.data;
          from += p.data.length;
          if (data.length > 0) yield data;
        }
        if (parts.length < PARTS_PER_READ) return;
      }
    }
    return Readable.from(read(), { objectMode: false });
  }

  return {
    /**
     * Copies a local file into the database under `name`, one part per transaction. False (and nothing
     * written) when the name is already taken in the org; the caller picks another.
     */
    async putFile(org: number, name: string, localPath: string): Promise<boolean> {
      const fd = fs.openSync(localPath, 'r');
      try {
        const buf = Buffer.alloc(UPLOAD_PART_BYTES);
        let at = 0;
        for (;;) {
          const n = fs.readSync(fd, buf, 0, UPLOAD_PART_BYTES, at);
          if (n === 0 && at > 0) return true;
          const data = Buffer.from(buf.subarray(0, n));
          const put = await engine.run(() => stores.file.put(org, name, at, data), { write: true });
          if (!put) {
            if (at === 0) return false; // the name is another upload's
            throw new Error(`part ${at} of ${name} written twice`);
          }
          at += n;
          if (n === 0) return true; // an empty file: one empty part claims its name
        }
      } catch (e) {
        await remove(org, name).catch(() => undefined);
        throw e;
      } finally {
        fs.closeSync(fd);
      }
    },

    remove,

    stream,

    /** True when the database holds at least the first part of the file. */
    async exists(org: number, name: string): Promise<boolean> {
      const parts = await engine.run(() => stores.file.parts(org, name, 0, 1, 1));
      return parts.length > 0;
    },

    /**
     * Makes sure `localPath` holds the stored file: a file already there (placed by the server that
     * received it) is used as it is; otherwise it is copied from the database (to a temporary name, then
     * renamed, so a half-copied file is never taken for the whole). False when the database has no such file.
     */
    async fetchTo(org: number, name: string, localPath: string): Promise<boolean> {
      if (fs.existsSync(localPath)) return true;
      const parts = await engine.run(() => stores.file.parts(org, name, 0, 1, 1));
      if (parts.length === 0) return false;
      fs.mkdirSync(path.dirname(localPath), { recursive: true });
      const tmp = `${localPath}.${randomUUID()}.part`;
      try {
        const out = fs.openSync(tmp, 'w', 0o600);
        try {
          for await (const chunk of stream(org, name)) fs.writeSync(out, chunk as Buffer);
        } finally {
          fs.closeSync(out);
        }
        fs.renameSync(tmp, localPath);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
      }
      return true;
    },
  };
}

export type StoredFiles = ReturnType<typeof createStoredFiles>;
