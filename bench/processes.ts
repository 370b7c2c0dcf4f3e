// Starting and stopping the processes under test: a coupond server (`coupond serve`, run from the sources
// through tsx like the tests, so a stale dist/ is never measured) and the bare Fastify baseline, each a
// child process on its own port, and the CLI's `org create`.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Where a coupond instance keeps its data: a SQLite folder, or a PostgreSQL schema as well. */
export interface Store {
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
}

export interface Hooks {
  dir: string;
  profile: boolean;
  sql: boolean;
}

export interface Running {
  pid: number;
  url: string;
  /** Output so far (stdout and stderr), for error messages. */
  output(): string;
  /** Sends SIGUSR2 (server-hooks.ts opens or closes a measuring window). */
  signal(): void;
  stop(): Promise<void>;
}

/** Children still running: killed if the benchmark itself ends early, so no server outlives it. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a coupond process: only what it needs, so the caller's settings cannot leak in. */
export function coupondEnv(store: Store, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    COUPOND_DATA_DIR: store.dataDir,
    // The limiter still runs on every request (its cost is measured) but never refuses one: the default
    // 120,000 requests a minute per client is less than one client sends here on a fast machine.
    COUPOND_RATE_LIMIT_PER_MINUTE: '1000000000',
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    ...(store.schema ? { DATABASE_SCHEMA: store.schema } : {}),
    ...extra,
  };
}

/** Runs `coupond org create` against the store (which also creates the schema) and answers its JSON line. */
export async function createOrg(store: Store): Promise<{ orgId: number; key: string; secret: string }> {
  const out = await runToEnd(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'org', 'create', '--name', 'bench'],
    coupondEnv(store),
  );
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as { orgId: number; key: string; secret: string };
}

function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err || out}`)),
    );
  });
}

/** Starts a process that serves HTTP on `port` and waits until GET `readyPath` answers 200. */
async function startHttp(args: string[], env: NodeJS.ProcessEnv, port: number, readyPath: string) {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000; // tsx compiles every source on a cold start; the machine is shared
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(url + readyPath);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not answer ${readyPath} within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const running: Running = {
    pid: child.pid!,
    url,
    output: () => output,
    signal: () => child.kill('SIGUSR2'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return running;
}

/**
 * Starts `coupond serve` (src/cli/main.ts) on the store; with hooks, preloads bench/server-hooks.ts; `extra`
 * adds settings (the `processes` scenario's COUPOND_PROCESSES).
 */
export async function startCoupond(
  store: Store,
  hooks?: Hooks,
  extra: Record<string, string> = {},
): Promise<Running> {
  const port = await freePort();
  const args = ['--import', 'tsx', ...(hooks ? ['--import', './bench/server-hooks.ts'] : [])];
  const env = coupondEnv(store, {
    ...extra,
    PORT: String(port),
    ...(hooks
      ? {
          BENCH_HOOK_DIR: hooks.dir,
          BENCH_PROFILE: hooks.profile ? '1' : '0',
          BENCH_SQL: hooks.sql ? '1' : '0',
        }
      : {}),
  });
  return startHttp([...args, 'src/cli/main.ts', 'serve'], env, port, '/health');
}

/** Starts the bare Fastify baseline (bench/baseline-server.ts) the same way. */
export async function startBaseline(hooks?: Hooks): Promise<Running> {
  const port = await freePort();
  const args = ['--import', 'tsx', ...(hooks ? ['--import', './bench/server-hooks.ts'] : [])];
  const env = coupondEnv(
    { dataDir: '/nonexistent' },
    {
      PORT: String(port),
      ...(hooks ? { BENCH_HOOK_DIR: hooks.dir, BENCH_PROFILE: hooks.profile ? '1' : '0' } : {}),
    },
  );
  return startHttp([...args, 'bench/baseline-server.ts'], env, port, '/health');
}

/**
 * Opens (or closes) a measuring window in a process started with hooks, and waits until the hooks say
 * it is open (or closed, its files written).
 */
export async function hookWindow(p: Running, hooks: Hooks, label: string, phase: 'opened' | 'closed') {
  if (phase === 'opened') fs.writeFileSync(path.join(hooks.dir, 'label'), label);
  p.signal();
  const marker = path.join(hooks.dir, `${label}.${phase}`);
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(marker)) {
    if (Date.now() > deadline) throw new Error(`server hooks: no ${label}.${phase} after 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
