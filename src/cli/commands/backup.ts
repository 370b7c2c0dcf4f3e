// `coupond backup --to FILE`: a consistent copy of the SQLite database, taken while servers keep serving
// (README "Backup and restore"). VACUUM INTO copies one read snapshot: in WAL mode it never blocks the
// writers, and every transaction committed before it began is in the copy, none that was half done.
// (SQLite's page-by-page backup API restarts whenever another process writes, so under steady traffic it
// may never finish.) A PostgreSQL deployment is backed up with pg_dump; the command says so and stops.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../../config.js';

export async function backup(config: Config, to: string): Promise<void> {
  if (config.database.url) {
    // config.ts accepts only postgres:// URLs in DATABASE_URL
    throw new Error(
      'this deployment uses PostgreSQL (DATABASE_URL): back it up with pg_dump -Fc and restore with pg_restore (README "Backup and restore")',
    );
  }
  const source = config.database.sqlitePath;
  if (!fs.existsSync(source)) throw new Error(`no database at ${source} (is COUPOND_DATA_DIR right?)`);
  const target = path.resolve(to);
  if (fs.existsSync(target)) throw new Error(`${target} exists: name a new file`);
  const partial = `${target}.part-${process.pid}`;
  const started = Date.now();
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    // Waiting here blocks nothing but this command: a snapshot needs no lock, only the WAL to be readable.
    db.pragma(`busy_timeout = ${config.database.statementTimeoutMs}`);
    db.prepare('VACUUM INTO ?').run(partial);
  } catch (e) {
    fs.rmSync(partial, { force: true });
    throw e;
  } finally {
    db.close();
  }
  const copy = new BetterSqlite3(partial, { fileMustExist: true });
  let check: unknown;
  try {
    check = copy.pragma('integrity_check', { simple: true });
  } finally {
    copy.close();
  }
  if (check !== 'ok') {
    fs.rmSync(partial, { force: true });
    throw new Error(
      `the copy failed its integrity check (${String(check)}); nothing was written to ${target}`,
    );
  }
  const fd = fs.openSync(partial, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(partial, target);
  const bytes = fs.statSync(target).size;
  process.stdout.write(`${JSON.stringify({ backup: target, bytes, ms: Date.now() - started })}\n`);
}
