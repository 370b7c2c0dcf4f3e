// One coupond under test: a fresh store (temp data folder, and on PostgreSQL a schema of its own), its
// org and API client, the server process, and a seeder writing to the same store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { clientFor, type Client } from './api.js';
import { createOrg, startCoupond, type Hooks, type Running, type Store } from './processes.js';
import { openSeeder, type Seeder } from './seed.js';

export type Database = { kind: 'sqlite' } | { kind: 'postgres'; url: string };

export interface Instance {
  name: string;
  database: Database;
  store: Store;
  org: { orgId: number; key: string; secret: string };
  server: Running;
  client: Client;
  seeder: Seeder;
  hooks: Hooks | undefined;
  /** Stops the server and removes the store. */
  close(): Promise<void>;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end();
  }
}

/** A fresh store, org and server. `keep` leaves the data behind for inspection. */
export async function startInstance(
  database: Database,
  name: string,
  options: { hooks?: Hooks; keep?: boolean; env?: Record<string, string> } = {},
): Promise<Instance> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `coupond-bench-${name}-`));
  const store: Store = { dataDir };
  if (database.kind === 'postgres') {
    store.databaseUrl = database.url;
    store.schema = `bench_${process.pid}_${name.replace(/[^a-z0-9]/g, '_')}`;
    await dropSchema(database.url, store.schema);
  }
  const cleanup = async () => {
    if (options.keep) return;
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (store.databaseUrl && store.schema) await dropSchema(store.databaseUrl, store.schema);
  };
  try {
    const org = await createOrg(store);
    const server = await startCoupond(store, options.hooks, options.env);
    const seeder = openSeeder(store);
    return {
      name,
      database,
      store,
      org,
      server,
      client: clientFor(server.url, org),
      seeder,
      hooks: options.hooks,
      async close() {
        await server.stop();
        await seeder.close();
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Hands out instances: a fresh one per use (full runs), or one shared by every use (quick runs, to save start-ups). */
export interface Instances {
  acquire(name: string): Promise<{ inst: Instance; release(): Promise<void> }>;
  closeAll(): Promise<void>;
}

export function instances(
  database: Database,
  options: { hooks?: Hooks; keep?: boolean; shared: boolean },
): Instances {
  let shared: Promise<Instance> | undefined;
  return {
    async acquire(name) {
      if (!options.shared) {
        const inst = await startInstance(database, name, options);
        return { inst, release: () => inst.close() };
      }
      shared ??= startInstance(database, 'shared', options);
      return { inst: await shared, release: async () => undefined };
    },
    async closeAll() {
      if (shared) await (await shared).close();
    },
  };
}
