// A private PostgreSQL cluster for fault tests: its own data folder, a free port, a socket folder of its own.
// Tests stop, restart and cut its connections without touching the shared server other tests use.
// initdb refuses to run as root, so when the tests run as root the cluster runs as the `postgres` user.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../support/spawn-server.js';

const run = promisify(execFile);

/** Where the PostgreSQL programs are: PG_BIN, else the Debian layout, else the PATH. */
function pgBin(): string | undefined {
  const candidates = [process.env.PG_BIN, '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
  for (const dir of candidates) if (dir && fs.existsSync(path.join(dir, 'initdb'))) return dir;
  return undefined;
}

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/coupond */
  url: string;
  port: number;
  database: string;
  /** Runs SQL on a short connection of its own (never one of coupond's). */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /** pg_terminate_backend on every connection to the database but the caller's; answers how many. */
  terminateAll(): Promise<number>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the cluster and removes its folder. */
  destroy(): Promise<void>;
  log(): string;
}

/** Why a private cluster cannot start here, or undefined when it can. */
export function privateClusterUnsupported(): string | undefined {
  if (!pgBin()) return 'no PostgreSQL programs (initdb, pg_ctl) found; set PG_BIN';
  return undefined;
}

export async function startPrivateCluster(): Promise<PgCluster> {
  const bin = pgBin();
  if (!bin) throw new Error(privateClusterUnsupported());
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  const logFile = path.join(root, 'server.log');
  fs.mkdirSync(socketDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    fs.chmodSync(root, 0o755);
    await run('chown', ['-R', 'postgres:postgres', root]);
  }
  const as = async (program: string, args: string[]) => {
    const file = path.join(bin, program);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  };
  await as('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${socketDir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 100',
      'shared_buffers = 32MB',
      '',
    ].join('\n'),
  );
  const pgCtl = (...args: string[]) =>
    as('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', ...args]);
  const database = 'coupond';
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const cluster: PgCluster = {
    url: `${base}/${database}`,
    port,
    database,
    async query<T>(text: string, values: unknown[] = []) {
      const c = new pg.Client({ connectionString: `${base}/postgres`, connectionTimeoutMillis: 5000 });
      c.on('error', () => undefined);
      await c.connect();
      try {
        return (await c.query(text, values)).rows as T[];
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    async terminateAll() {
      const rows = await cluster.query<{ n: string }>(
        `select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid()`,
        [database],
      );
      return Number(rows[0]?.n ?? 0);
    },
    stop: async (mode = 'fast') => {
      await pgCtl('stop', '-m', mode);
    },
    start: async () => {
      await pgCtl('start');
    },
    restart: async () => {
      await pgCtl('restart', '-m', 'fast');
    },
    destroy: async () => {
      await pgCtl('stop', '-m', 'immediate').catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
    log: () => {
      try {
        return fs.readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
  await cluster.start();
  await cluster.query(`create database ${database}`);
  return cluster;
}
